import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api';
import { App } from './App';
import { SessionStore } from './state/store';
import { FakeApi, RUNNING, seedEvents } from './test/fakeApi';

const steps = (accepted: 'pass' | 'fail') =>
  [
    { step: 'connect', result: 'pass', evidence: [1] },
    { step: 'auth', result: 'pass', evidence: [6] },
    { step: 'client-accepted-auth', result: accepted, evidence: [8] },
  ] as Diagnosis['attempts'][number]['steps'];

const CRAM_FAILED: Diagnosis = {
  verdict: 'fail',
  directions: { receiving: 'fail', sending: 'untested' },
  attempts: [{ conn: 'c1', proto: 'imap', direction: 'receiving', security: 'none', mechanism: 'CRAM-MD5', verdict: 'fail', start: '2026-11-29T10:00:00.000Z', steps: steps('fail') }],
  findings: [{ id: 'auth-success-ignored', severity: 'error', title: 'The server accepted the password; the phone did not notice', explanation: '', recommendation: 'Try another login method.', evidence: [8], conn: 'c1' }],
  resolution: {
    receiving: {
      status: 'fails',
      working: [],
      failing: [{ proto: 'imap', port: 143, security: 'none', mechanism: 'CRAM-MD5', tls: null, variant: null, attempts: ['c1'], because: ['auth-success-ignored'], furthestStep: 'auth' }],
      next: ['LOGIN over SSL on port 993 — set Security (ports): SSL (port 993), Incoming port: 993, Secure login: Off', 'LOGIN without TLS — set Security (ports): Off, Incoming port: 143, Secure login: Off'],
      nearestMiss: {
        configuration: { proto: 'imap', port: 143, security: 'none', mechanism: 'CRAM-MD5', tls: null, variant: null, attempts: ['c1'], because: ['auth-success-ignored'], furthestStep: 'auth' },
        wouldTake: 'Try another login method.',
      },
    },
    sending: { status: 'untested', working: [], failing: [], next: [] },
  },
};

const LOGIN_WORKS: Diagnosis = {
  ...CRAM_FAILED,
  verdict: 'pass',
  directions: { receiving: 'pass', sending: 'untested' },
  attempts: [...CRAM_FAILED.attempts, { conn: 'c2', proto: 'imap', direction: 'receiving', security: 'none', mechanism: 'LOGIN-COMMAND', verdict: 'pass', steps: steps('pass') }],
  resolution: {
    receiving: {
      status: 'works',
      working: [
        {
          proto: 'imap',
          port: 143,
          security: 'none',
          mechanism: 'LOGIN-COMMAND',
          tls: null,
          variant: null,
          attempts: ['c2'],
          protection: 'plain',
          phone: [
            { setting: 'Security (ports)', value: 'Off', verified: false },
            { setting: 'Secure login', value: 'Off', verified: false },
          ],
          risk: 'The password and the mail cross the network in clear.',
          server: { needs: ['accept the LOGIN command without TLS'], dovecot: 'disable_plaintext_auth = no\n', cyrus: null, postfix: null, cost: 'Passwords in clear are accepted.' },
        },
      ],
      failing: CRAM_FAILED.resolution!.receiving.failing,
      next: [],
    },
    sending: { status: 'untested', working: [], failing: [], next: [] },
  },
};

function setup(step: number) {
  const api = new FakeApi();
  const store = new SessionStore((fn) => fn());
  const utils = render(<App api={api} store={store} initial={{ step, profileId: 'nokia-6233' }} />);
  const emit = (m: Parameters<FakeApi['emit']>[0]) => act(() => api.emit(m));
  emit({ type: 'reset', status: RUNNING });
  return { api, store, emit, ...utils };
}

afterEach(() => cleanup());

describe('from a verdict to a fix', () => {
  it('Results opens with the settings that work, the risk and the server side, before the evidence', async () => {
    const { emit, container } = setup(5);
    emit({ type: 'events', events: seedEvents(1) });
    emit({ type: 'diagnosis', diagnosis: LOGIN_WORKS });
    const card = await screen.findByTestId('resolution-receiving');
    expect(card.textContent).toMatch(/✓ Receiving mail: works/);
    const best = within(card).getByTestId('working-config');
    expect(best.textContent).toContain('LOGIN');
    expect(best.textContent).toContain('Secure login');
    expect(best.textContent).toContain('Risk: The password and the mail cross the network in clear.');
    expect(best.textContent).toContain('disable_plaintext_auth = no');
    expect(screen.getByTestId('resolution-sending').textContent).toMatch(/Sending mail: not tested/);
    // The answer comes before the attempts matrix.
    const html = container.innerHTML;
    expect(html.indexOf('data-testid="resolution"')).toBeLessThan(html.indexOf('data-testid="matrix"'));
  });

  it('the plan says what is left worth trying, then stops asking once a setting works', async () => {
    const { emit } = setup(3);
    emit({ type: 'diagnosis', diagnosis: CRAM_FAILED });
    const next = await screen.findByTestId('plan-next');
    expect(next.textContent).toMatch(/LOGIN over SSL on port 993/);
    expect(next.textContent).toMatch(/LOGIN without TLS/);
    emit({ type: 'diagnosis', diagnosis: LOGIN_WORKS });
    expect(screen.getByTestId('plan-found').textContent).toMatch(/No more tests are needed/);
    expect(screen.queryByTestId('plan-next')).toBeNull();
    expect(screen.getAllByText('– not needed').length).toBeGreaterThan(0);
  });

  it('a phone that connects on any step shows up at once, with its result when it ends', async () => {
    const { emit } = setup(2);
    emit({ type: 'events', events: [{ seq: 1, t: '2026-11-29T10:00:00.000Z', kind: 'conn.open', conn: 'c1', proto: 'imap', remote: '192.168.1.33:40000', local: '192.168.1.20:1143', port: 1143 } as LabEvent] });
    emit({ type: 'diagnosis', diagnosis: CRAM_FAILED });
    const strip = screen.getByTestId('live-strip');
    expect(strip.textContent).toMatch(/Phone connected · IMAP · no security · CRAM-MD5 · … in progress/);
    emit({ type: 'events', events: [{ seq: 2, t: '2026-11-29T10:00:01.000Z', kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 10, bytesOut: 10 } as LabEvent] });
    expect(screen.getByTestId('live-strip').textContent).toMatch(/✗ failed/);
    fireEvent.click(within(screen.getByTestId('live-strip')).getByRole('button', { name: /open Run/ }));
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('5. Run');
  });

  it('the step list never shows ✓ on Run after a failed attempt: a symbol and a word', async () => {
    const { emit } = setup(5);
    emit({ type: 'diagnosis', diagnosis: CRAM_FAILED });
    const stepper = () => within(screen.getByRole('navigation', { name: 'Wizard steps' }));
    expect(stepper().getByRole('button', { name: /Run/ }).textContent).toMatch(/✗.*Run.*failed/);
    emit({ type: 'diagnosis', diagnosis: LOGIN_WORKS });
    expect(stepper().getByRole('button', { name: /Run/ }).textContent).toMatch(/✓.*Run.*passed/);
  });
});
