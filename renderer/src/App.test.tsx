import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api';
import { App } from './App';
import { SessionStore } from './state/store';
import { FakeApi, RUNNING, seedEvents } from './test/fakeApi';

const FAILED: Diagnosis = {
  verdict: 'fail',
  directions: { receiving: 'fail', sending: 'untested' },
  device: { vendor: 'Nokia', model: '6233', firmware: '05.10', source: 'http.request' },
  attempts: [
    {
      conn: 'c1',
      proto: 'imap',
      direction: 'receiving',
      security: 'none',
      mechanism: 'CRAM-MD5',
      verdict: 'fail',
      start: '2026-11-29T10:00:00.000Z',
      steps: [
        { step: 'connect', result: 'pass', evidence: [1] },
        { step: 'auth', result: 'pass', evidence: [6] },
        { step: 'client-accepted-auth', result: 'fail', evidence: [8, 9] },
      ],
    },
  ],
  findings: [
    { id: 'empty-line-after-auth', severity: 'error', title: 'The phone sent a stray empty line after logging in', explanation: 'It sent CRLF.', recommendation: 'Try LOGIN over SSL.', evidence: [8], conn: 'c1' },
    { id: 'cert-fetched', severity: 'info', title: 'The phone downloaded the lab certificate', explanation: '', recommendation: '', evidence: [3] },
  ],
};

function setup(step = 0) {
  const api = new FakeApi();
  const store = new SessionStore((fn) => fn());
  const utils = render(<App api={api} store={store} initial={{ step, profileId: step > 0 ? 'nokia-6233' : undefined }} />);
  const emit = (m: Parameters<FakeApi['emit']>[0]) => act(() => api.emit(m));
  return { api, store, emit, ...utils };
}

afterEach(() => cleanup());

describe('wizard', () => {
  it('offers the device profiles and keeps Next disabled until a phone is chosen', async () => {
    setup();
    const radio = await screen.findByRole('radio', { name: /Nokia 6233/ });
    const next = screen.getByRole('button', { name: /Next: network/ });
    expect((next as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(radio);
    expect((next as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByRole('radio', { name: /Identify it for me/ })).toBeTruthy();
    expect(screen.getAllByText('labels unverified').length).toBeGreaterThan(0);
  });

  it('starts the lab on the recommended address and shows the firewall hint with the ports', async () => {
    const { api } = setup(1);
    const start = await screen.findByRole('button', { name: 'Start the lab' });
    await screen.findByRole('radio', { name: /192\.168\.1\.20/ });
    await act(async () => fireEvent.click(start));
    expect(api.calls.find((c) => c.method === 'lab.start')?.params).toMatchObject({ address: '192.168.1.20', ports: 'standard' });
    expect(await screen.findByText(/TCP ports 1143, 1993 and 8080/)).toBeTruthy();
  });

  it('starts the lab with the customer mailbox the technician typed, and without one when the field is empty', async () => {
    const { api } = setup(1);
    await screen.findByRole('radio', { name: /192\.168\.1\.20/ });
    const field = screen.getByRole('textbox', { name: /Customer's mailbox/ });
    fireEvent.change(field, { target: { value: ' /home/tech/export.mbox ' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Start the lab' })));
    expect(api.calls.filter((c) => c.method === 'lab.start').at(-1)?.params).toMatchObject({ mailbox: '/home/tech/export.mbox' });
    fireEvent.change(field, { target: { value: '' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /Restart the lab|Start the lab/ })));
    expect(api.calls.filter((c) => c.method === 'lab.start').at(-1)?.params).not.toHaveProperty('mailbox');
  });

  it('shows the customer mailbox being indexed in the lab summary, then how many messages it serves', async () => {
    const { emit } = setup(1);
    emit({ type: 'reset', status: RUNNING });
    const progress = { seq: 2, t: '2026-11-29T10:00:00.000Z', kind: 'mailbox.indexing', path: '/home/tech/export.mbox', bytesDone: 1_200_000_000, bytesTotal: 2_000_000_000, messages: 12034, done: false } as LabEvent;
    emit({ type: 'events', events: [progress] });
    const line = await screen.findByTestId('mailbox-indexing');
    expect(line.textContent).toMatch(/indexing export\.mbox: 1\.2 GB of 2\.0 GB, 12,034 messages/);
    expect(line.textContent).toMatch(/wait until it is ready/);
    emit({ type: 'events', events: [{ ...progress, seq: 3, t: '2026-11-29T10:00:07.600Z', bytesDone: 2_000_000_000, messages: 20001, done: true } as LabEvent] });
    expect(screen.getByTestId('mailbox-indexing').textContent).toMatch(/ready: 20,001 messages in 7\.6 s/);
  });

  it('turns the certificate step green when the phone fetches ca.crt, naming phone and firmware', async () => {
    const { emit } = setup(2);
    emit({ type: 'reset', status: RUNNING });
    const status = await screen.findByTestId('cert-status');
    expect(status.textContent).toMatch(/Waiting for the phone/);
    const visit = { seq: 2, t: '2026-11-29T10:00:01.000Z', kind: 'http.request', method: 'GET', path: '/c', status: 200, served: 'page', device: { vendor: 'Nokia', model: '6233', firmware: '05.10', source: 'http.request' } } as LabEvent;
    emit({ type: 'events', events: [visit] });
    expect(status.textContent).toMatch(/Page opened by Nokia 6233, firmware 05\.10/);
    emit({ type: 'events', events: [{ ...visit, seq: 3, path: '/ca.crt', served: 'ca.crt' } as LabEvent] });
    expect(status.textContent).toMatch(/Certificate fetched by Nokia 6233, firmware 05\.10/);
    expect(status.className).toContain('is-done');
    expect(await screen.findByRole('img', { name: /QR code for http:\/\/192\.168\.1\.20:8080\/c/ })).toBeTruthy();
  });

  it('shows the values to type in the phone’s own words, per test of the plan', async () => {
    const { emit } = setup(3);
    emit({ type: 'reset', status: RUNNING });
    const table = await screen.findByTestId('values');
    const text = table.textContent ?? '';
    expect(text).toContain('Incoming mail server');
    expect(text).toContain('192.168.1.20');
    expect(text).toContain('1143');
    expect(text).toContain('tulip-42');
    expect(text).toContain('Secure login');
    expect(text).toContain('CRAM-MD5');
    fireEvent.click(screen.getByRole('radio', { name: /SSL\/TLS \(port 993\) \+ plain password/ }));
    const ssl = screen.getByTestId('values').textContent ?? '';
    expect(ssl).toContain('1993');
    expect(ssl).toContain('SSL (port 993)');
  });

  it('records the chosen test when going to Run, then shows the failed attempt with its finding', async () => {
    const { api, emit } = setup(3);
    emit({ type: 'reset', status: RUNNING });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /run the test/ })));
    expect(api.calls.find((c) => c.method === 'plan.select')?.params).toMatchObject({ test: { security: 'none', mechanism: 'CRAM-MD5' } });
    expect(screen.getByText('Press “Retrieve” on the phone now.')).toBeTruthy();
    emit({ type: 'events', events: seedEvents(1) });
    emit({ type: 'diagnosis', diagnosis: FAILED });
    const card = screen.getByRole('article', { name: /Attempt 1: failed/ });
    expect(card.textContent).toContain('✗ FAILED');
    expect(card.textContent).toContain('The phone sent a stray empty line after logging in');
    // Colour is not the only cue: the failed step carries a mark and a word.
    expect(within(card).getByText(/Phone accepted login/).closest('li')?.textContent).toMatch(/✗.*failed/);
    fireEvent.click(within(card).getByRole('button', { name: /Show transcript/ }));
    const transcript = screen.getByTestId('transcript');
    expect(transcript.textContent).toContain('(empty line: CR LF alone)');
    expect(transcript.textContent).toContain('‹secret›');
    expect(transcript.textContent).not.toContain('cGhvbmUgYWJj');
  });

  it('shows the matrix with words as well as colours, findings first by severity, and exports the PDF', async () => {
    const { api, emit } = setup(5);
    emit({ type: 'reset', status: RUNNING });
    emit({ type: 'events', events: seedEvents(1) });
    emit({ type: 'diagnosis', diagnosis: FAILED });
    const matrix = await screen.findByTestId('matrix');
    expect(matrix.textContent).toContain('✗ FAIL');
    expect(matrix.textContent).toContain('failed');
    const titles = screen.getAllByText(/The phone (sent|downloaded)/).map((n) => n.textContent);
    expect(titles[0]).toContain('stray empty line');
    const exportButton = screen.getByRole('button', { name: 'Export the PDF report' }) as HTMLButtonElement;
    await waitFor(() => expect(exportButton.disabled).toBe(false));
    await act(async () => fireEvent.click(exportButton));
    expect(api.calls.find((c) => c.method === 'report.export')?.params).toEqual({ includeSecrets: false });
    expect(screen.getByText(/report\.pdf \(47 KB\)/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'download' }).getAttribute('href')).toContain('/download/report');
  });

  it('shows an API error in an alert instead of failing silently', async () => {
    const { api } = setup(1);
    api.answers['lab.start'] = () => ({ error: { code: 'conflict', message: 'a port on 192.168.1.20 is already in use' } });
    await screen.findByRole('radio', { name: /192\.168\.1\.20/ });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Start the lab' })));
    expect(screen.getByRole('alert').textContent).toContain('already in use');
  });
});

describe('identify it', () => {
  it('picks the profile from the phone’s hand-off page visit and uses its words', async () => {
    const api = new FakeApi();
    const store = new SessionStore((fn) => fn());
    render(<App api={api} store={store} initial={{ step: 3, profileId: 'auto' }} />);
    act(() => {
      api.emit({ type: 'reset', status: RUNNING });
      api.emit({ type: 'events', events: [{ seq: 2, t: '2026-11-29T10:00:01.000Z', kind: 'http.request', method: 'GET', path: '/c', status: 200, served: 'page', userAgent: 'Mozilla/5.0 (SymbianOS/9.1; U; en; Series60/3.0 NokiaN80-3/3.0)', device: { vendor: 'Nokia', model: 'N80-3', source: 'http.request' } } as LabEvent] });
    });
    expect((await screen.findAllByText(/Identified: Nokia N80/)).length).toBeGreaterThan(0);
    // Series 60 has no mechanism setting: the plan tests security choices with the phone's own choice.
    expect(screen.getByRole('radio', { name: /No security \+ automatic/ })).toBeTruthy();
    expect(screen.queryByRole('radio', { name: /CRAM-MD5/ })).toBeNull();
    expect(screen.getByTestId('values').textContent).toContain('(no setting: the phone chooses)');
    expect(screen.getByRole('radio', { name: /STARTTLS \+ automatic/ })).toBeTruthy();
  });

  it('says what to check when the phone has not connected after a while', async () => {
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      const api = new FakeApi();
      const store = new SessionStore((fn) => fn());
      render(<App api={api} store={store} initial={{ step: 4, profileId: 'nokia-6233' }} />);
      act(() => api.emit({ type: 'reset', status: RUNNING }));
      expect(screen.queryByText(/No connection from the phone/)).toBeNull();
      act(() => vi.advanceTimersByTime(46_000));
      expect(screen.getByRole('alert').textContent).toMatch(/No connection from the phone in 45 s.*port 1143.*1143, 1993 and 8080/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('timeline at scale', () => {
  it('applies 50,000 events in one batch and renders only the rows in view', async () => {
    const api = new FakeApi();
    const flushes: Array<() => void> = [];
    const store = new SessionStore((fn) => flushes.push(fn));
    render(<App api={api} store={store} initial={{ step: 4, profileId: 'nokia-6233' }} />);
    const events: LabEvent[] = [];
    for (let i = 1; i <= 50_000; i++) events.push({ seq: i, t: '2026-11-29T10:00:00.000Z', kind: i % 2 ? 'c2s' : 's2c', conn: `c${1 + (i >> 6)}`, text: `A${i} NOOP\r\n` } as LabEvent);
    act(() => {
      api.emit({ type: 'reset', status: RUNNING });
      for (let i = 0; i < events.length; i += 5000) api.emit({ type: 'events', events: events.slice(i, i + 5000) });
    });
    expect(flushes.length).toBe(1); // eleven messages, one scheduled frame
    act(() => flushes.shift()!());
    const list = screen.getByTestId('transcript');
    expect(list.getAttribute('data-count')).toBe('50000');
    expect(list.querySelectorAll('.vrow').length).toBeLessThan(120);
  });
});
