/** An in-memory MailprobeApi for component tests: canned answers, recorded calls, a pushable stream. */
import type { ApiError, ApiMethod, ApiParams, ApiResult, ApiStreamMessage, AppInfo, DeviceProfile, LabEvent, LabStatus, MailprobeApi } from '../../../electron/api';
import p6233 from '../../../resources/profiles/nokia-6233.json';
import pn80 from '../../../resources/profiles/nokia-n80.json';
import pgeneric from '../../../resources/profiles/generic.json';

export const PROFILES = [p6233, pn80, pgeneric] as unknown as DeviceProfile[];

export const INFO: AppInfo = {
  version: '0.1.0',
  mode: 'browser',
  platform: 'linux',
  dataDir: '/tmp/mp',
  features: { lab: true, diagnosis: true, handoff: true, report: true, demo: true },
};

export const RUNNING: LabStatus = {
  state: 'running',
  sessionId: 's1',
  sessionDir: '/tmp/mp/sessions/s1',
  listeners: {
    imap: { host: '192.168.1.20', port: 1143 },
    imaps: { host: '192.168.1.20', port: 1993 },
    smtp: { host: '192.168.1.20', port: 1587 },
    smtps: { host: '192.168.1.20', port: 1465 },
    http: { host: '192.168.1.20', port: 8080 },
  },
  handoffUrl: 'http://192.168.1.20:8080/c',
  account: { user: 'phone', password: 'tulip-42' },
  address: '192.168.1.20',
  demo: false,
  startedBy: 'ui',
  firewallHint: 'If the phone gets no answer, check the firewall for TCP ports 1143, 1993 and 8080.',
  eventCount: 0,
};

type Answers = { [M in ApiMethod]?: (p: ApiParams<M>) => ApiResult<M> | ApiError };

export class FakeApi implements MailprobeApi {
  calls: Array<{ method: ApiMethod; params: unknown }> = [];
  private listeners = new Set<(m: ApiStreamMessage) => void>();
  answers: Answers = {
    'app.info': () => INFO,
    'profiles.list': () => PROFILES,
    'net.interfaces': () => [
      { name: 'wlan0', address: '192.168.1.20', family: 'IPv4', internal: false, recommended: true, label: 'Wi-Fi' },
      { name: 'lo', address: '127.0.0.1', family: 'IPv4', internal: true, recommended: false, label: 'loopback (demo only: a phone cannot reach it)' },
    ],
    'lab.start': (p) => {
      const status = { ...RUNNING, address: p.address };
      this.emit({ type: 'reset', status });
      return status;
    },
    'handoff.qr': () => ({ url: RUNNING.handoffUrl!, svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>' }),
    'plan.select': () => ({ seq: 99 }),
    'demo.scenarios': () => [{ id: 'nokia-6233-cram', title: 'Nokia 6233, CRAM-MD5' }],
    'demo.run': () => ({ started: true }),
    'sessions.list': () => [],
    'report.export': () => ({ file: '/tmp/mp/sessions/s1/report.pdf', bytes: 48_000, downloadUrl: '/download/report?file=report.pdf&token=t' }),
    'session.save': () => ({ file: '/tmp/mp/sessions/s1/wizard.json' }),
  };

  async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M> | ApiError> {
    this.calls.push({ method, params });
    const answer = this.answers[method] as ((p: ApiParams<M>) => ApiResult<M> | ApiError) | undefined;
    if (!answer) return { error: { code: 'not-found', message: `fake: no answer for ${method}` } };
    return answer(params);
  }

  subscribe(fn: (m: ApiStreamMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(msg: ApiStreamMessage): void {
    this.listeners.forEach((fn) => fn(msg));
  }
}

/** The 6233 sending one message with CRAM-MD5 (seed: "SMTP authentication … works fine"), as lab events on c2. */
export function sendEvents(startSeq = 1): LabEvent[] {
  const t = (i: number) => new Date(Date.UTC(2026, 10, 29, 10, 1, 0, i * 10)).toISOString();
  const raw = [
    { kind: 'conn.open', conn: 'c2', proto: 'smtp', remote: '192.168.1.50:40001', local: '192.168.1.20:1587', port: 1587 },
    { kind: 's2c', conn: 'c2', text: '220 lab ESMTP Mailprobe\r\n' },
    { kind: 'c2s', conn: 'c2', text: 'EHLO Nokia6233\r\n' },
    { kind: 's2c', conn: 'c2', text: '250-lab\r\n250 AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5\r\n' },
    { kind: 'c2s', conn: 'c2', text: 'MAIL FROM:<phone@lab.example>\r\n' },
    { kind: 's2c', conn: 'c2', text: '250 2.1.0 Ok\r\n' },
    { kind: 'c2s', conn: 'c2', text: 'RCPT TO:<friend@example.net>\r\n' },
    { kind: 's2c', conn: 'c2', text: '250 2.1.5 Ok\r\n' },
    { kind: 'c2s', conn: 'c2', text: 'DATA\r\n' },
    { kind: 's2c', conn: 'c2', text: '354 End data with <CR><LF>.<CR><LF>\r\n' },
    { kind: 'c2s', conn: 'c2', text: 'Subject: Hello from the 6233\r\nFrom: <phone@lab.example>\r\n\r\nSent from my Nokia.\r\n..a dot-stuffed line\r\n.\r\n' },
    { kind: 'smtp.message', conn: 'c2', from: 'phone@lab.example', to: ['friend@example.net'], size: 98, messageId: null, subject: 'Hello from the 6233', path: 'messages/0001.eml', delivered: true, uid: 3 },
    { kind: 's2c', conn: 'c2', text: '250 2.0.0 Ok: queued as 0001\r\n' },
  ] as unknown as Array<Omit<LabEvent, 'seq' | 't'>>;
  return raw.map((e, i) => ({ ...e, seq: startSeq + i, t: t(i) }) as LabEvent);
}

/** The seed's CRAM-MD5 exchange as lab events. */
export function seedEvents(startSeq = 1): LabEvent[] {
  const t = (i: number) => new Date(Date.UTC(2026, 10, 29, 10, 0, 0, i * 10)).toISOString();
  const raw: Array<Omit<LabEvent, 'seq' | 't'>> = [
    { kind: 'conn.open', conn: 'c1', proto: 'imap', remote: '192.168.1.50:40000', local: '192.168.1.20:1143', port: 1143 },
    { kind: 's2c', conn: 'c1', text: '* OK Mailprobe lab ready\r\n' },
    { kind: 'c2s', conn: 'c1', text: 'A0 AUTHENTICATE CRAM-MD5\r\n' },
    { kind: 's2c', conn: 'c1', text: '+ PDEyMzQ+\r\n' },
    { kind: 'c2s', conn: 'c1', text: 'cGhvbmUgYWJj\r\n', secrets: [[0, 12]] },
    { kind: 'auth', conn: 'c1', mechanism: 'CRAM-MD5', user: 'phone', ok: true },
    { kind: 's2c', conn: 'c1', text: 'A0 OK Success (no protection)\r\n' },
    { kind: 'c2s', conn: 'c1', text: '\r\n' },
    { kind: 's2c', conn: 'c1', text: '* BAD Invalid tag\r\n' },
    { kind: 'c2s', conn: 'c1', text: 'A1 NOOP\r\n' },
  ] as unknown as Array<Omit<LabEvent, 'seq' | 't'>>;
  return raw.map((e, i) => ({ ...e, seq: startSeq + i, t: t(i) }) as LabEvent);
}
