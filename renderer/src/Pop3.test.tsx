import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnosis, LabStatus } from '../../electron/api';
import { App } from './App';
import { SessionStore } from './state/store';
import { attemptsFor, proposePlan, valuesFor } from './state/plan';
import { FakeApi, PROFILES, RUNNING } from './test/fakeApi';

/** The lab as the engine starts it with the high port set: POP3 on 1110, POP3S on 1995. */
const WITH_POP3: LabStatus = {
  ...RUNNING,
  listeners: { ...RUNNING.listeners, pop3: { host: '192.168.1.20', port: 1110 }, pop3s: { host: '192.168.1.20', port: 1995 } },
};

const POP3_STEPS = [
  { step: 'connect', result: 'pass', evidence: [1] },
  { step: 'tls', result: 'skipped', evidence: [] },
  { step: 'auth', result: 'pass', evidence: [5] },
  { step: 'client-accepted-auth', result: 'pass', evidence: [7] },
  { step: 'list', result: 'pass', evidence: [9] },
  { step: 'retr', result: 'pass', evidence: [11] },
  { step: 'quit', result: 'pass', evidence: [40] },
] as Diagnosis['attempts'][number]['steps'];

const SERIES40_POP3: Diagnosis = {
  verdict: 'pass',
  directions: { receiving: 'pass', sending: 'untested' },
  attempts: [{ conn: 'c1', proto: 'pop3', direction: 'receiving', security: 'none', mechanism: 'USER-PASS', verdict: 'pass', start: '2026-11-29T10:00:00.000Z', steps: POP3_STEPS }],
  findings: [
    {
      id: 'pop3-no-uidl',
      severity: 'warning',
      title: 'The phone downloads every message again on every check (POP3 without UIDL)',
      explanation: 'The phone never asked for the messages’ unique ids (UIDL).',
      recommendation: 'Set the phone to leave messages on the server and download new ones only.',
      evidence: [9, 11],
      conn: 'c1',
    },
  ],
};

const p6233 = PROFILES.find((p) => p.id === 'nokia-6233')!;
const pn80 = PROFILES.find((p) => p.id === 'nokia-n80')!;

/** Let the fake API's answers (profiles.list, app.info) reach the App. */
const settle = () => act(async () => new Promise((r) => setTimeout(r, 0)));

async function setup(step: number, status: LabStatus = WITH_POP3, api = new FakeApi()) {
  const store = new SessionStore((fn) => fn());
  const utils = render(<App api={api} store={store} initial={{ step, profileId: 'nokia-6233' }} />);
  const emit = (m: Parameters<FakeApi['emit']>[0]) => act(() => api.emit(m));
  emit({ type: 'reset', status });
  await settle();
  return { api, store, emit, ...utils };
}

afterEach(() => cleanup());

describe('the phone set to POP3', () => {
  it('the Phone step offers the Series 40 mailbox type in the phone’s words, IMAP4 by default', async () => {
    await setup(0);
    const box = screen.getByTestId('mailbox-type');
    expect(box.textContent).toMatch(/Mailbox type on the phone \(label unverified\)/);
    expect(within(box).getByRole('radio', { name: /IMAP4/ })).toHaveProperty('checked', true);
    expect(within(box).getByRole('radio', { name: /POP3/ })).toHaveProperty('checked', false);
  });

  it('choosing POP3 turns the plan and the values to type into POP3 ones (lab ports, Mailbox type: POP3, APOP)', async () => {
    await setup(0);
    fireEvent.click(within(screen.getByTestId('mailbox-type')).getByRole('radio', { name: /POP3/ }));
    fireEvent.click(within(screen.getByRole('navigation', { name: 'Wizard steps' })).getByRole('button', { name: /Configure/ }));
    const plan = screen.getByRole('group', { name: 'Test plan' });
    expect(plan.textContent).toMatch(/1\. POP3 · No security \+ plain password \(USER\/PASS\)/);
    expect(plan.textContent).toMatch(/2\. POP3 · No security \+ APOP/);
    expect(plan.textContent).toMatch(/3\. POP3 · SSL\/TLS \(port 995\)/);
    expect(plan.textContent).not.toMatch(/CRAM-MD5/);
    const rows = () => Object.fromEntries(within(screen.getByTestId('values')).getAllByRole('row').slice(1).map((r) => [r.querySelector('th')!.firstChild!.textContent, r.querySelector('td')!.textContent]));
    expect(rows()).toMatchObject({ 'Mailbox type': 'POP3', 'Incoming port': '1110', 'Security (ports)': 'Off', 'Secure login (APOP)': 'Off' });
    fireEvent.click(within(plan).getByRole('radio', { name: /APOP/ }));
    expect(rows()['Secure login (APOP)']).toBe('On');
    fireEvent.click(within(plan).getByRole('radio', { name: /port 995/ }));
    expect(rows()).toMatchObject({ 'Incoming port': '1995', 'Security (ports)': 'SSL (port 995)' });
  });

  it('Configure can switch back to IMAP: the IMAP plan and port return', async () => {
    await setup(3);
    const box = screen.getByTestId('mailbox-type');
    fireEvent.click(within(box).getByRole('radio', { name: /POP3/ }));
    expect(screen.getByTestId('values').textContent).toContain('1110');
    fireEvent.click(within(box).getByRole('radio', { name: /IMAP4/ }));
    expect(screen.getByTestId('values').textContent).toContain('1143');
    expect(screen.getByRole('group', { name: 'Test plan' }).textContent).toMatch(/CRAM-MD5/);
  });

  it('Results shows a POP3 attempt with its own steps and the POP3 finding', async () => {
    const { emit } = await setup(5);
    emit({ type: 'diagnosis', diagnosis: SERIES40_POP3 });
    const matrix = screen.getByTestId('matrix');
    const header = within(matrix).getAllByRole('columnheader').map((h) => h.textContent);
    expect(header).toEqual(expect.arrayContaining(['Mail', 'Listed the messages', 'Downloaded messages', 'Said goodbye (QUIT)']));
    expect(header).not.toContain('Opened the inbox');
    const row = within(matrix).getAllByRole('row')[1];
    expect(row.textContent).toMatch(/POP3no securityUSER\/PASS/);
    expect(row.textContent).toMatch(/✓ PASS/);
    expect(row.querySelectorAll('td.cell.pass').length).toBe(6);
    expect(screen.getByText('The phone downloads every message again on every check (POP3 without UIDL)')).toBeTruthy();
  });

  it('the Network step offers the mailbox change between checks for a POP3 phone only, and starts the lab with it', async () => {
    const api = new FakeApi();
    const store = new SessionStore((fn) => fn());
    render(<App api={api} store={store} initial={{ step: 1, profileId: 'nokia-6233', mailbox: 'pop3' }} />);
    const change = await screen.findByRole('checkbox', { name: /Change the mailbox between the phone’s checks|Change the mailbox between the phone's checks/ });
    await screen.findByRole('radio', { name: /192\.168\.1\.20/ });
    fireEvent.click(change);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Start the lab' })));
    expect(api.calls.find((c) => c.method === 'lab.start')?.params).toMatchObject({ pop3MailboxChange: 'both' });
    cleanup();
    render(<App api={new FakeApi()} store={new SessionStore((fn) => fn())} initial={{ step: 1, profileId: 'nokia-6233', mailbox: 'imap' }} />);
    await screen.findByRole('checkbox', { name: /Vary the server/ });
    expect(screen.queryByRole('checkbox', { name: /Change the mailbox/ })).toBeNull();
  });

  it('the Network step lists the POP3 listeners', async () => {
    await setup(1);
    const summary = screen.getByTestId('lab-summary');
    expect(summary.textContent).toMatch(/POP3 \(mail, STLS\)port 1110/);
    expect(summary.textContent).toMatch(/POP3 over SSLport 1995/);
  });
});

describe('the POP3 test plan', () => {
  it('a Series 60 profile offers STLS and 995; a POP3 test only claims POP3 attempts', () => {
    const plan = proposePlan(pn80, true, 'pop3');
    expect(plan.map((t) => `${t.security}/${t.mechanism}`)).toEqual(['none/USER-PASS', 'none/APOP', 'tls/USER-PASS', 'starttls/USER-PASS']);
    const stls = plan.find((t) => t.security === 'starttls')!;
    expect(valuesFor(stls, WITH_POP3, pn80).find((v) => v.field === 'security')?.value).toBe('StartTLS');
    const pop3 = SERIES40_POP3.attempts[0];
    const imap = { ...pop3, conn: 'c2', proto: 'imap' as const, mechanism: 'LOGIN-COMMAND' };
    expect(attemptsFor(plan[0], [pop3, imap]).map((a) => a.conn)).toEqual(['c1']);
    expect(attemptsFor(proposePlan(p6233, false, 'imap').find((t) => t.mechanism === 'LOGIN-COMMAND')!, [pop3, imap]).map((a) => a.conn)).toEqual(['c2']);
  });

  it('a profile without a mailbox type (an IMAP-only phone) has no POP3 choice', async () => {
    const { incomingProtocols: _drop, pop3: _p, ...imapOnly } = p6233;
    const api = new FakeApi();
    api.answers['profiles.list'] = () => [imapOnly];
    await setup(3, WITH_POP3, api);
    expect(screen.queryByTestId('mailbox-type')).toBeNull();
    expect(screen.getByRole('group', { name: 'Test plan' }).textContent).not.toMatch(/POP3/);
  });
});
