import { afterEach, describe, expect, it, vi } from 'vitest';
import { TOKEN_HEADER, createHttpApi, takeToken } from './client';

afterEach(() => {
  vi.unstubAllGlobals();
  window.sessionStorage.clear();
});

describe('browser-mode client', () => {
  it('takes the token from the page URL, keeps it for reloads and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/?token=abc123&x=1');
    expect(takeToken()).toBe('abc123');
    expect(window.location.search).toBe('?x=1');
    expect(window.sessionStorage.getItem('mailprobe.token')).toBe('abc123');
    expect(takeToken()).toBe('abc123'); // after a reload the URL has none: the stored one is used
  });

  it('sends every call as JSON with the token header, and turns a dead server into an ApiError', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ state: 'stopped', listeners: {}, demo: false, eventCount: 0 }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const api = createHttpApi('tok');
    expect(await api.call('lab.status', {})).toMatchObject({ state: 'stopped' });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/lab.status');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)[TOKEN_HEADER]).toBe('tok');
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    expect(await api.call('lab.status', {})).toMatchObject({ error: { code: 'internal', message: expect.stringContaining('not answering') } });
  });
});
