/**
 * The sending half in the wizard: the outgoing settings in the Configure step (the profile's
 * labels, marked unverified), the "send a mail from the phone" test, the captured message on the
 * Run step, "Receiving / Sending" in Results, the SMTP listeners in the Network step.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../electron/api';
import { App } from './App';
import { SessionStore } from './state/store';
import { bodyOf } from './state/messages';
import { FakeApi, RUNNING, sendEvents } from './test/fakeApi';

const step = (name: string, result: 'pass' | 'fail' | 'skipped' = 'pass') => ({ step: name, result, evidence: [1] });

const SENT: Diagnosis = {
  verdict: 'fail',
  directions: { receiving: 'fail', sending: 'pass' },
  attempts: [
    { conn: 'c1', proto: 'imap', direction: 'receiving', security: 'none', mechanism: 'CRAM-MD5', verdict: 'fail', steps: [step('connect'), step('auth'), step('client-accepted-auth', 'fail')] },
    {
      conn: 'c2',
      proto: 'smtp',
      direction: 'sending',
      security: 'none',
      mechanism: 'CRAM-MD5',
      verdict: 'pass',
      steps: ['connect', 'tls', 'ehlo', 'auth', 'client-accepted-auth', 'mail', 'rcpt', 'data', 'quit'].map((s) => step(s, s === 'tls' ? 'skipped' : 'pass')),
    },
  ],
  findings: [],
} as unknown as Diagnosis;

function setup(step = 0) {
  const api = new FakeApi();
  const store = new SessionStore((fn) => fn());
  const utils = render(<App api={api} store={store} initial={{ step, profileId: step > 0 ? 'nokia-6233' : undefined }} />);
  const emit = (m: Parameters<FakeApi['emit']>[0]) => act(() => api.emit(m));
  return { api, store, emit, ...utils };
}

afterEach(() => cleanup());

describe('sending mail in the wizard', () => {
  it('lists the SMTP listeners in the Network step', async () => {
    const { emit } = setup(1);
    emit({ type: 'reset', status: RUNNING });
    const body = document.body.textContent ?? '';
    expect(body).toContain('SMTP');
    expect(body).toContain('1587');
    expect(body).toContain('1465');
  });

  it('the plan has "Send a mail from the phone", with the outgoing settings in the phone’s words, marked unverified', async () => {
    const { emit, api } = setup(3);
    emit({ type: 'reset', status: RUNNING });
    fireEvent.click(await screen.findByRole('radio', { name: /Send a mail from the phone/ }));
    const table = screen.getByTestId('values');
    const rows = within(table).getAllByRole('row').map((r) => r.textContent ?? '');
    expect(rows.some((r) => r.startsWith('Outgoing mail server') && r.includes('192.168.1.20'))).toBe(true);
    expect(rows.some((r) => r.startsWith('Outgoing port') && r.includes('1587'))).toBe(true);
    expect(rows.some((r) => r.startsWith('SMTP authorisation') && r.endsWith('Yes'))).toBe(true);
    expect(rows.some((r) => r.startsWith('Outgoing password') && r.includes('tulip-42'))).toBe(true);
    expect(within(table).getAllByText(/label unverified/).length).toBe(6);
    expect(document.body.textContent).toContain('Outgoing server settings');
    expect(screen.getByTestId('send-hint').textContent).toMatch(/never sends it on/);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /run the test/ })));
    expect(api.calls.find((c) => c.method === 'plan.select')?.params).toMatchObject({ test: { id: 'send-mail', direction: 'sending' } });
    expect(screen.getByText('Send a mail from the phone now.')).toBeTruthy();
  });

  it('shows the captured message on the Run step: From, To, Subject, size and the text', async () => {
    const { emit } = setup(4);
    emit({ type: 'reset', status: RUNNING });
    emit({ type: 'events', events: sendEvents(1) });
    const box = await screen.findByTestId('captured');
    const text = box.textContent ?? '';
    expect(text).toContain('1 message sent by the phone, captured by the lab');
    expect(text).toContain('phone@lab.example');
    expect(text).toContain('friend@example.net');
    expect(text).toContain('Hello from the 6233');
    expect(text).toContain('98 bytes');
    expect(text).toContain('put in the lab inbox');
    expect(within(box).getByLabelText('The start of the message text').textContent).toBe('Sent from my Nokia.\n.a dot-stuffed line');
  });

  it('says Receiving / Sending in Results, with a table of SMTP steps', async () => {
    const { emit } = setup(5);
    emit({ type: 'reset', status: RUNNING });
    emit({ type: 'events', events: sendEvents(1) });
    emit({ type: 'diagnosis', diagnosis: SENT });
    const dirs = screen.getByTestId('directions').textContent ?? '';
    expect(dirs).toContain('Receiving mail (IMAP): ✗ does not work');
    expect(dirs).toContain('Sending mail (SMTP): ✓ works');
    const smtp = screen.getByTestId('matrix-sending');
    expect(smtp.textContent).toContain('Greeted the server (EHLO)');
    expect(smtp.textContent).toContain('Lab accepted the message');
    expect(smtp.textContent).toContain('✓ PASS');
  });

  it('reads a message body: after the headers, without the final dot, dot-unstuffed', () => {
    expect(bodyOf('Subject: x\r\n\r\nline 1\r\n..dot\r\n.\r\n')).toBe('line 1\n.dot');
    expect(bodyOf('no headers at all')).toBe('no headers at all');
  });
});
