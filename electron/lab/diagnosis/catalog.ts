/**
 * What a technician and a customer read: title, explanation and recommendation of each finding,
 * in plain words, from the facts a rule gathered (`data`). No protocol jargon without a gloss.
 */
import type { FindingId } from '../../api.js';
import { SLOW_CLIENT_GAP_MS } from './constants.js';

export interface FindingText {
  title: string;
  explanation: string;
  recommendation: string;
}

type D = Record<string, unknown>;

const list = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(', ') : '');
const times = (n: unknown): string => (typeof n === 'number' && n > 1 ? ` (${n} times)` : '');
const mech = (m: string): string => (m === 'LOGIN-COMMAND' ? 'the plain LOGIN command' : m);
/** "IMAP", "POP3 and SMTP submission": the protocols a legacy-TLS phone could use without TLS. */
const plaintextFor = (v: unknown): string => {
  const names = (Array.isArray(v) && v.length > 0 ? v.map(String) : ['IMAP']).map((p) => (p === 'SMTP' ? 'SMTP submission' : p));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];
};
const mechs = (v: unknown): string => (Array.isArray(v) ? v.map((m) => mech(String(m))).join(', ') : '');

export function kb(bytes: number): string {
  return bytes >= 1024 ? `${Math.round(bytes / 102.4) / 10} KB` : `${bytes} bytes`;
}

const TEXTS: Record<FindingId, (d: D) => FindingText> = {
  'empty-line-after-auth': (d) => ({
    title: 'The phone sent a stray empty line right after logging in',
    explanation:
      `The server answered the login (${mechs(d.mechanisms)}) with ${d.authResult === 'OK' ? 'success' : 'a result'}, and the phone immediately sent an empty line, which is not a valid command${times(d.count)}. ` +
      (d.serverReaction
        ? `The server replied "${String(d.serverReaction)}"; the phone probably reads that error as a failed login.`
        : 'A strict server (Cyrus, Dovecot) answers it with an error, which the phone can read as a failed login.'),
    recommendation:
      'This is a phone firmware bug (seen on Nokia 6233/6300 firmware 05.x with CRAM-MD5). Try another login method (LOGIN over SSL), ask for a firmware update, or use a server that ignores empty lines.',
  }),
  'empty-line': (d) => ({
    title: 'The phone sent an empty line where a command was expected',
    explanation: `An empty line is not a valid IMAP command${times(d.count)}. Lenient servers ignore it; strict ones answer with an error.`,
    recommendation: 'Usually harmless on a lenient server. If the phone misbehaves after it, report the firmware version to the vendor.',
  }),
  'auth-success-ignored': (d) => ({
    title: 'The server accepted the password; the phone did not notice',
    explanation:
      `The server accepted the password; the phone did not notice. After a successful login (${mechs(d.mechanisms)}) the phone never opened the inbox: ` +
      `it ${summariseThen(d.then)}. It then reports a login or connection error even though the account details are right.`,
    recommendation:
      'The account and password are correct: do not change them. This is a phone firmware bug. Try another login method (for example LOGIN over SSL, or "normal" password instead of secure login), or update the phone\'s firmware.',
  }),
  'auth-retry-after-success': (d) => ({
    title: 'The phone tried to log in again although it was already logged in',
    explanation: `After a successful login the phone started another login (${mechs(d.mechanisms)})${times(d.count)}. The server refuses it ("already authenticated") and the phone takes that as a failure.`,
    recommendation: 'The phone is cycling through login methods ("Automatic" mode) without noticing success. Pick one method explicitly on the phone, or update its firmware.',
  }),
  'command-before-auth-result': (d) => ({
    title: 'The phone sent commands before the server had confirmed the login',
    explanation:
      `The phone sent ${list(d.commands) || 'a command'} while the login (${mech(String(d.mechanism ?? ''))}) was still being checked. ` +
      `The lab answers in order${d.serverAnswered ? ` (it answered ${String(d.serverAnswered)})` : ''}, but many servers reject a command that arrives before the login is complete, and the phone then shows an empty inbox.`,
    recommendation: 'Check whether the customer\'s server accepts commands sent ahead of the login result; if not, try another login method on the phone or update its firmware.',
  }),
  'digest-final-response-missing': (d) => ({
    title: 'The phone did not finish the DIGEST-MD5 login',
    explanation: `After the server proved its identity (the last DIGEST-MD5 step), the phone ${String(d.clientDid ?? 'did not send the required empty reply')}. The login hangs until a timeout.`,
    recommendation: 'Do not use DIGEST-MD5 (it is retired by RFC 6331): choose CRAM-MD5, or LOGIN over SSL, on the phone.',
  }),
  'sasl-ir-unadvertised': (d) => ({
    title: 'The phone sent its password with the login command without being invited to',
    explanation: `The phone put the ${String(d.mechanism ?? '')} login data on the same line as the command, but the server had not announced that it accepts this (SASL-IR). Strict servers reject the login.`,
    recommendation: 'Use a server that offers or tolerates SASL-IR (Dovecot and Cyrus accept it), or another login method.',
  }),
  'login-prompt-mismatch': (d) => ({
    title: 'The phone gave up the login because of an unexpected prompt',
    explanation: `During AUTH=LOGIN the server prompted "${String(d.prompt ?? '')}" instead of "Username:" / "Password:", and the phone aborted.`,
    recommendation: 'Configure the server to use the standard "Username:" and "Password:" prompts, or choose another login method.',
  }),
  'auth-failed': (d) => ({
    title: 'The server rejected the user name or password',
    explanation: `The login with ${mech(String(d.mechanism ?? ''))}${d.user ? ` for user "${String(d.user)}"` : ''} was refused${d.serverSaid ? ` ("${String(d.serverSaid)}")` : ''}${times(d.count)}.`,
    recommendation: 'Check the account typed on the phone (user name and password, shown in the report) against the lab account.',
  }),
  'auth-not-checked': (d) => notChecked(d),
  'cleartext-password': (d) => ({
    title: d.refused ? 'The server refused a password sent without encryption' : 'The password was sent without encryption',
    explanation:
      `The phone logged in with ${mechs(d.mechanisms)} on a connection without SSL/TLS` +
      (d.refused
        ? `, and the server refused it before checking it ("${String(d.refused)}"): it accepts passwords only over SSL/TLS.`
        : d.network === 'untrusted'
          ? ': anyone on this network could read the password.'
          : ". That is fine on the lab's own network; on any other network anyone on it could read the password."),
    recommendation: d.refused
      ? 'Turn on SSL (port 993) or STARTTLS on the phone; the account details were not checked.'
      : `For use on the customer's own network, turn on SSL (port 993${d.sending ? ', or 465 for outgoing mail' : ''}) or STARTTLS on the phone.`,
  }),
  'no-mailbox-selected': (d) => ({
    title: 'The phone used mailbox commands without opening a mailbox',
    explanation: `The phone sent ${list(d.commands)} without first opening a mailbox (SELECT), so the server refused them. This is a symptom: look at what happened just before.`,
    recommendation: 'Look for the cause earlier in the session (often a login the phone did not notice).',
  }),
  'full-body-download': (d) => ({
    title: 'The phone downloads whole messages when checking mail',
    explanation:
      `The phone fetched complete message bodies (${list(d.items)}${d.chunked ? ', in chunks' : ''}): ${kb(Number(d.bytes ?? 0))} of message data over ${String(d.checks ?? 1)} connection(s). ` +
      'On a mobile data plan every check costs that much.',
    recommendation: 'Set the phone to retrieve headers only (or limit the download size) in its mailbox settings.',
  }),
  'slow-client-gap': (d) => ({
    title: `The phone paused ${String(d.maxSeconds ?? '')} s before its next command`,
    explanation: `After ${gapAfter(d.gaps)} the phone stayed silent for more than ${SLOW_CLIENT_GAP_MS / 1000} seconds (longest gap ${String(d.maxSeconds ?? '')} s). It was probably waiting for a timeout after something it did not understand.`,
    recommendation: 'Look at the server response just before the pause: that is what confused the phone.',
  }),
  'protocol-violation': (d) => ({
    title: `The phone sent something that is not valid ${Array.isArray(d.protocols) && d.protocols.length > 0 ? d.protocols.map(String).join(' or ') : 'IMAP'}`,
    explanation: `Offending data: ${samples(d.samples)}.`,
    recommendation: 'Report these bytes with the phone\'s model and firmware to the vendor; check the port and security settings on the phone.',
  }),
  'tls-handshake-failed': (d) => tlsHandshakeText(d),
  'tls-no-command': (d) => ({
    title: 'The phone set up SSL/TLS and then sent nothing',
    explanation: `The secure connection was established, then the phone ${d.closedBy === 'timeout' ? 'stayed silent until the server timed out' : 'closed it'} without sending a single command${times(d.count)}. Seen on the Nokia 6233 on port 993 even with the CA installed: the phone may expect a client certificate.`,
    recommendation: 'Try STARTTLS on port 143, or plaintext login on a trusted network.',
  }),
  'legacy-tls-only': (d) => ({
    title: 'The phone only speaks old, weak SSL/TLS',
    explanation:
      `The phone offered at most ${String(d.maxVersion ?? '?')}${d.weakSuitesOnly ? ' and only weak ciphers' : ''}. It offered: ${list(d.cipherSuites)}. ` +
      'Current servers (Dovecot 2.3.15+ requires TLS 1.2; OpenSSL 3 defaults) will refuse this phone.',
    recommendation: `The customer needs a legacy TLS front end for this phone, or plaintext ${plaintextFor(d.protocols)} on a trusted network.`,
  }),
  'cert-fetched': (d) => ({
    title: 'The phone downloaded the lab certificate',
    explanation: `The phone's browser fetched ${String(d.path ?? 'the CA certificate')}${times(d.count)}${d.userAgent ? ` (browser: ${String(d.userAgent)})` : ''}.`,
    recommendation: 'Check on the phone that the certificate was saved and trusted for Internet/mail.',
  }),
  'cert-format-rejected': (d) => ({
    title: 'The phone did not take the certificate',
    explanation: `${certWhy(d.why)}`,
    recommendation: 'Phones need the DER form with a ".crt" name and the type application/x-x509-ca-cert: use the DER link on the hand-off page.',
  }),
  'smtp-no-auth': (d) => ({
    title: 'The phone tried to send mail without logging in',
    explanation:
      `The phone started sending (${list(d.commands)}) without logging in to the outgoing server, which requires it; the server refused${d.serverSaid ? ` ("${String(d.serverSaid)}")` : ''}${times(d.count)}. ` +
      (d.authenticatedWithLegacyLine
        ? 'On a connection where the server also announced its login methods in the old "AUTH=" form, the same phone did log in: it reads only that old form.'
        : d.authOffered
          ? `The server offered a login (${list(d.mechanismsOffered)}) but the phone did not use it.`
          : 'The server did not offer a login on this connection.'),
    recommendation: d.authenticatedWithLegacyLine
      ? 'The customer\'s server must also send the old "AUTH=" line (Postfix: broken_sasl_auth_clients = yes).'
      : 'Turn on "SMTP authorisation" (outgoing server login) on the phone. If it never logs in, the server must also send the old "AUTH=" line (Postfix: broken_sasl_auth_clients = yes).',
  }),
  'pop3-no-uidl': (d) => ({
    title: Number(d.checks ?? 1) > 1 ? 'The phone downloads every message again on every check (POP3 without UIDL)' : 'The phone downloaded every message without asking for their unique ids (POP3 without UIDL)',
    explanation: `The phone never asked for the messages' unique ids (UIDL) and downloaded all ${String(d.messages ?? '')} messages (${kb(Number(d.bytes ?? 0))} in ${String(d.checks ?? 1)} check${Number(d.checks ?? 1) === 1 ? '' : 's'}). It cannot tell new mail from mail it already has${Number(d.checks ?? 1) > 1 ? '' : ': if it does this on every check, it downloads everything again each time'}.`,
    recommendation: 'Set the phone to retrieve headers only, or to leave messages on the server and download new ones only; or use IMAP instead of POP3.',
  }),
  'pop3-stale-message-number': (d) => ({
    title: 'The phone used message numbers it did not ask for in this session',
    explanation: d.afterChange
      ? `The lab changed the mailbox between two checks (a message deleted or added, as another device or the provider would), and the phone then sent ${list(d.commands)}${times(d.count)} by the numbers it remembered from the previous check, without asking for the messages' unique ids (UIDL). POP3 message numbers are valid for one session only: those numbers now name other messages, so the phone reads or deletes the wrong message.`
      : d.numberingChanged
        ? `The phone sent ${list(d.commands)} before asking which messages there are (STAT, LIST or UIDL)${times(d.count)}, although messages were deleted since its last check. POP3 message numbers are valid for one session only: those numbers may now name other messages, so the phone reads or deletes the wrong message.`
        : `The phone sent ${list(d.commands)} before asking which messages there are (STAT, LIST or UIDL)${times(d.count)}, using numbers from its last check. Nothing changed in the mailbox since, so no harm was done; but POP3 message numbers are valid for one session only, and once a message is deleted elsewhere the phone would read or delete the wrong one.`,
    recommendation: d.afterChange || d.numberingChanged
      ? 'Do not delete messages from another device between checks, or use IMAP. This is known from Windows Mobile Pocket Inbox (January 2006).'
      : 'To see whether it matters for this phone, run the lab with the mailbox change between checks (--pop3-change-mailbox, or the switch on the Network step) and check again. This is known from Windows Mobile Pocket Inbox (January 2006).',
  }),
  'pop3-delete-without-quit': (d) => ({
    title: 'The phone deleted messages but hung up without QUIT, so nothing was deleted',
    explanation: `The phone marked ${String(d.marked ?? '')} message(s) for deletion and then the connection ended without QUIT. A POP3 server deletes only at QUIT (RFC 1939 §6), so the messages are still there.`,
    recommendation: 'The messages come back on the next check. Look for a flaky link or a phone that gives up too early; retry on a better connection.',
  }),
  'pop3-auth-failed': (d) => ({
    title: 'The incoming server (POP3) rejected the user name or password',
    explanation: `The POP3 login with ${String(d.mechanism ?? '')} was refused${d.serverSaid ? ` ("${String(d.serverSaid)}")` : ''}${times(d.count)}.`,
    recommendation: 'Check the incoming user name and password typed on the phone (the report shows them redacted).',
  }),
  'pop3-apop-unsupported': () => ({
    title: 'The phone tried APOP, which this server does not offer',
    explanation: 'The phone sent APOP although the server\'s greeting had no timestamp, which APOP needs (RFC 1939 §7).',
    recommendation: 'Turn APOP ("secure password") off on the phone for this server, or use a server that offers it.',
  }),
  'smtp-auth-failed': (d) => ({
    title: 'The outgoing server rejected the user name or password',
    explanation: `The outgoing-mail login with ${mech(String(d.mechanism ?? ''))}${d.user ? ` for user "${String(d.user)}"` : ''} was refused${d.serverSaid ? ` ("${String(d.serverSaid)}")` : ''}${times(d.count)}.`,
    recommendation: 'Check the outgoing user name and password on the phone: many phones keep them apart from the incoming ones.',
  }),
  'smtp-auth-before-ehlo': (d) => ({
    title: 'The phone did not ask the outgoing server what it supports',
    explanation: Array.isArray(d.how) && d.how.includes('helo-only')
      ? `The phone greeted the server with the old HELO instead of EHLO, so it never saw the server's offers (encryption, login, size limit), then sent ${list(d.commands)}${times(d.count)}.`
      : `The phone sent ${list(d.commands)} before greeting the server with EHLO${Array.isArray(d.how) && d.how.includes('no-ehlo-after-starttls') ? ' after switching to encryption (STARTTLS forgets the earlier greeting)' : ''}${times(d.count)}. Servers answer a login without EHLO with an error (RFC 4954).`,
    recommendation: 'This device cannot log in to a server that requires it. Use a server or port that accepts its mail without a login on a trusted network, or update its firmware.',
  }),
  'smtp-bare-lf': (d) => ({
    title: 'The phone ends lines without the carriage return SMTP requires',
    explanation:
      `${d.commandLines ? `${String(d.commandLines)} command line(s)` : ''}${d.commandLines && d.contentLines ? ' and ' : ''}${d.contentLines ? `${String(d.contentLines)} line(s) of the message` : ''} ended in a bare line feed (LF) instead of CR LF. ` +
      `${Array.isArray(d.samples) && d.samples.length ? `For example: ${d.samples.slice(0, 3).map((x) => JSON.stringify(x)).join(', ')}. ` : ''}` +
      'Since the 2023 "SMTP smuggling" fixes, Postfix, Exchange Online and Gmail refuse or rewrite such messages.',
    recommendation: 'Report it to the device vendor; the customer\'s server may refuse or alter these messages (Postfix: smtpd_forbid_bare_newline).',
  }),
  'smtp-mail-from-syntax': (d) => ({
    title: 'The phone writes the sender or recipient address in a non-standard way',
    explanation: `The phone sent ${samplesOf(d.samples)}, with ${list(d.problems)}${times(d.count)}.${d.serverSaid ? ` The server refused it ("${String(d.serverSaid)}").` : ' The lab did not object to it.'}`,
    recommendation: 'Usually harmless: most servers accept it. Strict servers (Postfix with strict_rfc821_envelopes = yes) refuse it with 501.',
  }),
  'smtp-pipelining-unadvertised': (d) => ({
    title: 'The phone sent commands without waiting for the server\'s answers',
    explanation: `The phone sent ${list(d.commands)} while ${list(d.waitingFor) || 'an earlier command'} was still waiting for its answer${times(d.count)}, although the server had not offered PIPELINING. A server may drop commands that come early.`,
    recommendation: 'Offer PIPELINING on the customer\'s server, or report it to the device vendor.',
  }),
  'smtp-8bit-without-8bitmime': (d) => ({
    title: 'The phone sent 8-bit characters without announcing them',
    explanation: `${String(d.lines ?? '')} line(s) of the message contain bytes outside 7-bit ASCII, ${d.offered ? 'but the phone did not declare BODY=8BITMIME. Most servers accept this (Postfix does by default); a strict one may refuse it.' : 'and the server had not offered 8BITMIME. Some servers bounce or mangle such messages.'}`,
    recommendation: 'Check the device\'s character set setting (choose UTF-8 or a MIME-encoded option if it has one).',
  }),
  'smtp-auth-without-tls-refused': (d) => ({
    title: 'The outgoing server wants encryption before the login',
    explanation: `The phone tried to log in (${mech(String(d.mechanism ?? ''))}) without encryption; the server allows a login only after STARTTLS${d.serverSaid ? ` ("${String(d.serverSaid)}")` : ''}${times(d.count)}.`,
    recommendation: 'Set the phone\'s outgoing security to STARTTLS or SSL/TLS, or allow a login without encryption on a trusted network.',
  }),
  'smtp-message-too-large': (d) => ({
    title: 'The message was too large for the outgoing server',
    explanation: `The server refused the message for its size${d.declaredSize !== undefined ? ` (announced ${kb(Number(d.declaredSize))})` : ''}${d.bytesSent !== undefined ? ` after ${kb(Number(d.bytesSent))}` : ''}${d.sizeLimit ? `; its limit is ${kb(Number(d.sizeLimit))}` : ''}${times(d.count)}.`,
    recommendation: 'The attachment is over the server\'s limit: send a smaller one, or raise the limit on the customer\'s server.',
  }),
  'smtp-data-incomplete': (d) => ({
    title: 'The connection ended in the middle of sending a message',
    explanation: `The ${d.by === 'client' ? 'phone closed the connection' : 'connection ended'} after ${kb(Number(d.bytes ?? 0))} of the message, before its end${times(d.count)}. Nothing was delivered.`,
    recommendation: 'Retry on a better connection, and check whether the device limits the size of what it sends.',
  }),
};

/** `auth-not-checked`: the words depend on why the server stopped before the password (auth-refusal.ts). */
function notChecked(d: D): FindingText {
  const first = (Array.isArray(d.samples) ? d.samples[0] : undefined) as
    | { reason?: string; mechanism?: string; line?: string; serverSaid?: string; advertised?: boolean; emptyInitialResponse?: boolean }
    | undefined;
  const m = mech(String(first?.mechanism ?? ''));
  const said = first?.serverSaid ? ` The server answered "${first.serverSaid}".` : '';
  const line = first?.line !== undefined ? JSON.stringify(first.line) : 'the login command';
  const notPassword = 'No password was checked, so do not change the account details.';
  switch (first?.reason) {
    case 'unsupported-mechanism':
      return {
        title: `The server does not offer the phone's login method (${m})`,
        explanation: `The phone asked to log in with ${m}, which the server ${first.advertised ? 'announced but then refused' : 'does not offer (it was not in its list of methods)'}.${said} ${notPassword}`,
        recommendation: `Choose another login method on the phone ("secure login" / "authentication" setting), or enable ${m} on the server (the lab: --mechanisms).`,
      };
    case 'server-problem':
      return {
        title: 'The server could not check the login',
        explanation: `The server turned the ${m} login down because of a problem of its own, not the password.${said}`,
        recommendation: 'Try again later or look at the server\'s logs; the phone\'s settings are not the cause.',
      };
    case 'refused-response':
      return {
        title: `The server did not accept the phone's ${m} login reply`,
        explanation: `During the ${m} exchange the server refused the phone's reply as malformed, before checking the password.${said} ${notPassword}`,
        recommendation: `Choose another login method on the phone than ${m}, or report the exchange (in the report) to the phone's vendor.`,
      };
    default:
      return {
        title: 'The server refused the login command before checking the password',
        explanation: `The server did not accept the phone's login command ${line} as written${times(Array.isArray(d.samples) && d.samples.length > 1 ? d.samples.length : undefined)}.${said} ${notPassword}`,
        recommendation: first?.emptyInitialResponse
          ? `The line ends in a space with nothing after it (an empty initial response, which RFC 4959's grammar allows; GNU SASL clients such as mutt send it). Dovecot accepts it: use a server that does, or choose another login method on the phone than ${m}.`
          : 'Choose another login method on the phone, and report the line (in the report) to the phone\'s vendor.',
      };
  }
}

function samplesOf(v: unknown): string {
  return Array.isArray(v) && v.length ? v.slice(0, 3).map((x) => `"${String(x)}"`).join(', ') : 'an address';
}

function summariseThen(v: unknown): string {
  if (!Array.isArray(v) || v.length === 0) return 'stopped';
  const first = v[0] as { commands?: string[]; ended?: string };
  const cmds = first.commands && first.commands.length > 0 ? `sent ${first.commands.join(', ')}, then ` : '';
  return `${cmds}${first.ended ?? 'stopped'}`;
}

/** The server response before the first gap, quoted ("the server's "* BAD Invalid tag""), or a general phrase. */
function gapAfter(v: unknown): string {
  const first = Array.isArray(v) ? (v[0] as { after?: unknown } | undefined) : undefined;
  return typeof first?.after === 'string' ? `the server's "${first.after}"` : 'an error response from the server';
}

function samples(v: unknown): string {
  if (!Array.isArray(v) || v.length === 0) return '(none recorded)';
  return v
    .slice(0, 3)
    .map((s) => {
      const o = s as { bytes?: string; problem?: string };
      return `${JSON.stringify(o.bytes ?? '')} (${o.problem ?? 'invalid'})`;
    })
    .join('; ');
}

function tlsReason(d: D): string {
  switch (d.reason) {
    case 'client-lacks-ca':
      return `the phone rejected the lab's certificate${d.alert ? ` (alert ${String(d.alert)})` : ''}: it does not trust the lab CA`;
    case 'client-rejected-certificate':
      return rejectionReason(d);
    case 'no-shared-cipher':
      return 'the phone and the server have no cipher in common';
    case 'protocol-version':
      return 'the phone and the server have no SSL/TLS version in common';
    case 'client-closed':
      return 'the phone closed the connection during the handshake';
    case 'timeout':
      return 'the phone stopped answering during the handshake';
    default:
      return String(d.description ?? d.reason ?? 'unknown reason');
  }
}

const INSTALL_CA = 'Install the lab CA certificate on the phone as a DER ".crt" file through the phone\'s browser (hand-off page), and trust it for Internet/mail.';

/** The certificate refusal in words: how the client said it, then the property it most likely refused. */
function rejectionReason(d: D): string {
  const how =
    d.how === 'closed-after-handshake'
      ? `the client completed the handshake, then ${d.closedBy === 'timeout' ? 'stayed silent until the lab timed out (a client waiting for someone to accept the certificate on screen does this)' : 'closed the connection without sending a command'}: it checked the lab's certificate after the handshake and refused it`
      : d.how === 'closed-during-handshake'
        ? 'the client received the lab\'s certificate and closed the connection without saying why: it refused the certificate'
        : `the client holds a CA but refused the lab's certificate${d.alert ? ` (alert ${String(d.alert)})` : ''}`;
  const names = list(d.certificateNames);
  const parts: string[] = [];
  for (const p of Array.isArray(d.refused) ? d.refused : []) {
    if (p === 'sha1-signature') parts.push('the certificate it got is signed with SHA-1, which current TLS libraries (OpenSSL 3, GnuTLS, Node) refuse');
    if (p === 'name') parts.push(`it asked for "${String(d.askedFor ?? '?')}", which the certificate does not cover${names ? ` (it covers ${names})` : ''}`);
    if (p === 'dates') parts.push('it found the certificate outside its validity dates: the phone\'s clock is probably wrong');
    if (p === 'trust') parts.push('most likely it does not trust the lab CA (not installed, or the CA of another lab)');
    if (p === 'unknown') parts.push('it did not say which property; the name and signature look right, so check that it trusts this lab\'s CA and its clock');
  }
  return parts.length > 0 ? `${how}; ${parts.join('; ')}` : how;
}

function rejectionAdvice(d: D): string {
  const refused = Array.isArray(d.refused) ? d.refused.map(String) : [];
  const names = list(d.certificateNames);
  const advice: string[] = [];
  if (refused.includes('sha1-signature')) advice.push('Run the current lab version, which gives clients like this one its SHA-256 certificate; the CA itself does not need replacing.');
  if (refused.includes('name')) advice.push(`Set the server address in the client to one the certificate covers${names ? ` (${names})` : ''}, or start the lab on the address the client uses.`);
  if (refused.includes('dates')) advice.push('Set the phone\'s date and time correctly, then try again.');
  if (refused.includes('trust') || refused.includes('unknown')) advice.push('Make the client trust this lab\'s CA: on a phone install ca.crt from the hand-off page; on a computer import ca.pem (mbsync: CertificateFile, mutt: ssl_ca_certificates_file, fetchmail: sslcertfile).');
  return advice.join(' ') || INSTALL_CA;
}

function tlsHandshakeText(d: D): FindingText {
  const explanation = `The phone started SSL/TLS but no secure session was established: ${tlsReason(d)}${times(d.count)}.`;
  if (d.reason === 'client-lacks-ca') return { title: 'The secure (SSL/TLS) connection could not be set up', explanation, recommendation: INSTALL_CA };
  if (d.reason === 'client-rejected-certificate') {
    const refused = Array.isArray(d.refused) ? d.refused.map(String) : [];
    const what = refused.includes('sha1-signature')
      ? ': its SHA-1 signature'
      : refused.includes('name')
        ? ': the name is not in it'
        : refused.includes('dates')
          ? ': its dates'
          : '';
    return { title: `The client refused the lab's certificate${what}`, explanation: `The client started SSL/TLS but would not use the session: ${tlsReason(d)}${times(d.count)}.`, recommendation: rejectionAdvice(d) };
  }
  return {
    title: 'The secure (SSL/TLS) connection could not be set up',
    explanation,
    recommendation: 'Use the lab\'s legacy TLS engine for this phone, install the lab CA as a DER ".crt", and check the phone\'s certificate trust settings.',
  };
}

function certWhy(v: unknown): string {
  const why = Array.isArray(v) ? v.map(String) : [];
  const parts: string[] = [];
  if (why.includes('pem')) parts.push('The phone fetched the PEM (text) form of the certificate, which phones open as text or report as containing an error.');
  if (why.includes('der-refetched')) parts.push('The phone fetched the certificate again and again, which means it did not install it.');
  if (why.includes('page-without-certificate')) parts.push('The phone opened the hand-off page but never downloaded the certificate.');
  return parts.join(' ') || 'The phone did not install the certificate.';
}

export function findingText(id: FindingId, data: D): FindingText {
  return TEXTS[id](data);
}
