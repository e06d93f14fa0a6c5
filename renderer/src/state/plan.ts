/**
 * The test plan the wizard proposes (Configure step), and the exact values to type for a test.
 * Order follows the seed: the secure mechanisms first (where the 6233 fails), then the plain
 * LOGIN command (what works), then TLS once a certificate is on the phone.
 */
import type { Attempt, DeviceProfile, IncomingProtocol, LabStatus, ProfileFieldName, TestPlanItem } from '../../../electron/api';

const MECH_TITLE: Record<string, string> = {
  'CRAM-MD5': 'CRAM-MD5',
  'DIGEST-MD5': 'DIGEST-MD5',
  'LOGIN-COMMAND': 'plain password (LOGIN)',
  AUTO: 'automatic',
};
const SEC_TITLE: Record<TestPlanItem['security'], string> = { none: 'No security', starttls: 'STARTTLS', tls: 'SSL/TLS (port 993)' };

const POP3_MECH_TITLE: Record<string, string> = { 'USER-PASS': 'plain password (USER/PASS)', APOP: 'APOP' };
const POP3_SEC_TITLE: Record<TestPlanItem['security'], string> = { none: 'No security', starttls: 'STLS', tls: 'SSL/TLS (port 995)' };
/** A phone whose profile says nothing about POP3 may still offer it: the common choices. */
const POP3_DEFAULT_MECHS = ['USER-PASS', 'APOP'];
const POP3_DEFAULT_SECS: TestPlanItem['security'][] = ['none', 'starttls', 'tls'];

/** The protocols the phone can read mail with, and the one to propose first. */
export function protocolsOf(profile: DeviceProfile | undefined): { choices: IncomingProtocol[]; default: IncomingProtocol } {
  const ip = profile?.incomingProtocols;
  if (!profile) return { choices: ['imap', 'pop3'], default: 'imap' };
  if (!ip) return { choices: ['imap'], default: 'imap' };
  return { choices: (['imap', 'pop3'] as const).filter((p) => ip.choices[p]), default: ip.default };
}

/** The protocol the wizard uses: the technician's choice if the phone offers it, else the profile's default. */
export function chosenProtocol(profile: DeviceProfile | undefined, wanted: IncomingProtocol | undefined): IncomingProtocol {
  const { choices, default: d } = protocolsOf(profile);
  return wanted && choices.includes(wanted) ? wanted : d;
}

export function proposePlan(profile: DeviceProfile | undefined, withCertificate: boolean, proto: IncomingProtocol = 'imap'): TestPlanItem[] {
  if (proto === 'pop3') return proposePop3Plan(profile, withCertificate);
  const mechs = profile ? Object.keys(profile.mechanismChoices) : ['CRAM-MD5', 'DIGEST-MD5', 'LOGIN-COMMAND', 'AUTO'];
  const secs = profile ? (Object.keys(profile.securityChoices) as TestPlanItem['security'][]) : (['none', 'starttls', 'tls'] as const);
  const plan: TestPlanItem[] = [];
  const add = (security: TestPlanItem['security'], mechanism: string, why: string) =>
    plan.push({ id: `${security}-${mechanism.toLowerCase()}`, title: `${SEC_TITLE[security]} + ${MECH_TITLE[mechanism] ?? mechanism}`, security, mechanism, why });
  for (const m of ['CRAM-MD5', 'DIGEST-MD5'])
    if (mechs.includes(m)) add('none', m, 'A challenge-response login: the password never crosses the network. Known to confuse Nokia Series 40 firmware 05.x.');
  if (mechs.includes('AUTO')) add('none', 'AUTO', "The phone's own choice: shows what it tries and in which order.");
  if (mechs.includes('LOGIN-COMMAND')) add('none', 'LOGIN-COMMAND', 'The plain LOGIN command: works on most phones, but the password travels in clear.');
  const secureMech = mechs.includes('LOGIN-COMMAND') ? 'LOGIN-COMMAND' : 'AUTO';
  if (secs.includes('tls')) add('tls', secureMech, withCertificate ? 'Encrypted connection with a plain password: the safe way if the phone trusts the lab certificate.' : 'Needs the lab certificate on the phone (Certificate step), or the phone may refuse the connection.');
  if (secs.includes('starttls')) add('starttls', secureMech, 'Encryption negotiated on the normal port; some phones only offer this one.');
  // The other half: the phone's outgoing server is the lab too (it captures, never relays).
  plan.push({
    id: SEND_TEST_ID,
    title: 'Send a mail from the phone',
    security: 'none',
    mechanism: 'AUTO',
    direction: 'sending',
    why: 'Write a short mail on the phone (to any address) and send it. The lab keeps it and puts it in the inbox, so the next mail check shows it; it is never sent on.',
  });
  return plan;
}

/** The plan's sending test. */
export const SEND_TEST_ID = 'send-mail';

export function isSending(test: TestPlanItem | undefined): boolean {
  return test?.direction === 'sending';
}

/**
 * POP3 tests: USER/PASS in clear first (what a Series 40 set to POP3 does), APOP where the phone
 * offers it (RFC 1939 §7: no password on the wire), then the encrypted ports (995, STLS).
 */
function proposePop3Plan(profile: DeviceProfile | undefined, withCertificate: boolean): TestPlanItem[] {
  const mechs = profile?.pop3 ? Object.keys(profile.pop3.mechanismChoices) : POP3_DEFAULT_MECHS;
  const secs = profile?.pop3 ? (Object.keys(profile.pop3.securityChoices) as TestPlanItem['security'][]) : POP3_DEFAULT_SECS;
  const plan: TestPlanItem[] = [];
  const add = (security: TestPlanItem['security'], mechanism: string, why: string) =>
    plan.push({
      id: `pop3-${security}-${mechanism.toLowerCase()}`,
      title: `POP3 · ${POP3_SEC_TITLE[security]} + ${POP3_MECH_TITLE[mechanism] ?? mechanism}`,
      security,
      mechanism,
      proto: 'pop3',
      why,
    });
  if (secs.includes('none') && mechs.includes('USER-PASS')) add('none', 'USER-PASS', 'USER and PASS: what most phones set to POP3 do; the password travels in clear.');
  if (secs.includes('none') && mechs.includes('APOP')) add('none', 'APOP', "APOP: the password never crosses the network (a digest of the server's greeting).");
  const secureMech = mechs.includes('USER-PASS') ? 'USER-PASS' : mechs[0];
  if (secureMech && secs.includes('tls')) add('tls', secureMech, withCertificate ? 'Encrypted connection on port 995: the safe way if the phone trusts the lab certificate.' : 'Needs the lab certificate on the phone (Certificate step), or the phone may refuse the connection.');
  if (secureMech && secs.includes('starttls')) add('starttls', secureMech, 'Encryption negotiated on the normal POP3 port (STLS); some phones only offer this one.');
  return plan;
}

export interface ValueRow {
  field: ProfileFieldName | 'auth' | 'mailboxType';
  label: string;
  value: string;
  verified: boolean;
  note?: string;
}

/** What to type on the phone's outgoing-mail screen: the profile's labels, else "Outgoing …" derived and unverified. */
export function outgoingValues(status: LabStatus | undefined, profile: DeviceProfile | undefined): ValueRow[] {
  const o = profile?.outgoing?.fields;
  const listener = status?.listeners.smtp;
  const derived = (field: ProfileFieldName, fallback: string) => {
    const incoming = profile?.fields[field]?.label;
    return incoming ? (/incoming/i.test(incoming) ? incoming.replace(/incoming/i, 'Outgoing') : `Outgoing ${incoming.toLowerCase()}`) : fallback;
  };
  const row = (field: ProfileFieldName | 'auth', fallback: string, value: string): ValueRow => ({
    field,
    label: o?.[field]?.label ?? (field === 'auth' ? fallback : derived(field, fallback)),
    value,
    // A label the profile does not give is a guess: never verified.
    verified: o?.[field]?.verified ?? false,
    note: o?.[field]?.note,
  });
  return [
    row('server', 'Outgoing mail server', status?.address ?? listener?.host ?? '(start the lab first)'),
    row('port', 'Outgoing port', listener ? String(listener.port) : '(no SMTP listener)'),
    row('auth', 'SMTP authentication', profile?.outgoing?.authOn ?? 'On'),
    row('user', 'Outgoing user name', status?.account?.user ?? '—'),
    row('password', 'Outgoing password', status?.account?.password ?? '—'),
    row('security', 'Outgoing security', profile?.securityChoices.none ?? SEC_TITLE.none),
  ];
}

/** What to type on the phone for `test`, labelled as the phone labels it. */
export function valuesFor(test: TestPlanItem, status: LabStatus | undefined, profile: DeviceProfile | undefined): ValueRow[] {
  if (isSending(test)) return outgoingValues(status, profile);
  const f = profile?.fields;
  const pop3 = test.proto === 'pop3';
  const listener = pop3 ? (test.security === 'tls' ? status?.listeners.pop3s : status?.listeners.pop3) : test.security === 'tls' ? status?.listeners.imaps : status?.listeners.imap;
  const secure = pop3 ? 'POP3S' : 'IMAPS';
  const row = (field: ProfileFieldName, fallback: string, value: string): ValueRow => ({
    field,
    label: f?.[field].label ?? fallback,
    value,
    verified: f?.[field].verified ?? false,
    note: f?.[field].note,
  });
  const rows = [
    row('server', 'Incoming mail server', status?.address ?? listener?.host ?? '(start the lab first)'),
    row('port', 'Port', listener ? String(listener.port) : status && test.security === 'tls' ? `(no ${secure} listener)` : status && pop3 ? '(no POP3 listener)' : '(start the lab first)'),
    row('user', 'User name', status?.account?.user ?? '—'),
    row('password', 'Password', status?.account?.password ?? '—'),
  ];
  if (!pop3) {
    rows.push(
      row('security', 'Security', profile?.securityChoices[test.security] ?? SEC_TITLE[test.security]),
      row('mechanism', 'Authentication', profile?.mechanismChoices[test.mechanism] ?? MECH_TITLE[test.mechanism] ?? test.mechanism),
    );
  } else {
    const p = profile?.pop3;
    rows.push(row('security', 'Security', p?.securityChoices[test.security] ?? POP3_SEC_TITLE[test.security]), {
      field: 'mechanism',
      label: p?.mechanismLabel ?? 'Authentication',
      value: p?.mechanismChoices[test.mechanism] ?? POP3_MECH_TITLE[test.mechanism] ?? test.mechanism,
      verified: p?.verified ?? false,
    });
  }
  // The mailbox type comes first: on Series 40 it decides which of the other settings exist.
  const ip = profile?.incomingProtocols;
  if (ip || pop3) {
    const proto = test.proto ?? 'imap';
    rows.unshift({ field: 'mailboxType', label: ip?.label ?? 'Mailbox type', value: ip?.choices[proto] ?? proto.toUpperCase(), verified: ip?.verified ?? false, note: ip?.note });
  }
  return rows;
}

/** The attempts that belong to a test (same security; same mechanism unless automatic); any SMTP attempt for the sending test. */
export function attemptsFor(test: TestPlanItem, attempts: readonly Attempt[]): Attempt[] {
  if (isSending(test)) return attempts.filter((a) => a.proto === 'smtp');
  const proto = test.proto ?? 'imap';
  return attempts.filter(
    (a) => a.proto === proto && a.security === test.security && (test.mechanism === 'AUTO' || (a.mechanism ?? '').toUpperCase() === test.mechanism),
  );
}

/** A test's outcome so far: the last matching attempt decides. */
export function testOutcome(test: TestPlanItem, attempts: readonly Attempt[]): 'pass' | 'fail' | 'untested' {
  const mine = attemptsFor(test, attempts);
  return mine.length === 0 ? 'untested' : mine[mine.length - 1].verdict;
}

/** The profile a device seen by the lab corresponds to (User-Agent or IMAP ID). */
export function matchProfile(profiles: readonly DeviceProfile[], model: string | undefined): DeviceProfile | undefined {
  const m = model?.toLowerCase().replace(/^nokia\s*/, '');
  if (!m) return undefined;
  return profiles.find((p) => p.matches.some((x) => x.toLowerCase() === m || m.startsWith(x.toLowerCase() + '-')));
}
