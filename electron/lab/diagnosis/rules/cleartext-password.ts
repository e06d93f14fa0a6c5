/**
 * `cleartext-password`: LOGIN, AUTHENTICATE PLAIN or AUTHENTICATE LOGIN without TLS: the
 * password crosses the network readable by anyone on it (RFC 3501 §6.2.3 and RFC 4616 §6
 * warn against it; Cyrus and Dovecot refuse it with LOGINDISABLED unless allowed).
 *
 * Wire signature: `A1 LOGIN user pass` or `A1 AUTHENTICATE PLAIN|LOGIN` on a connection that is
 * neither implicit TLS (993) nor after a successful STARTTLS; on SMTP, `AUTH PLAIN|LOGIN` on a
 * connection that is neither implicit TLS (465) nor after STARTTLS (RFC 4954 §4, §14); on POP3,
 * PASS or `AUTH PLAIN|LOGIN` outside TLS (RFC 1939 §13, RFC 2595 §2.1).
 *
 * Severity (documented in ../README.md): on the lab's own network (trusted, the default, as
 * recorded in lab.start) this is what the technician set up, so it is info: a correct client
 * logging in with LOGIN there must get a clean pass. On a network the technician marked
 * untrusted (`mailprobe lab --network untrusted`, `diagnose --network untrusted`, or a capture
 * with no lab.start) it is a warning. When the server refused the login for it
 * (`NO [PRIVACYREQUIRED]`, RFC 5530; LOGINDISABLED, RFC 3501 §6.2.3) it is a warning on any
 * network: it is why the login failed.
 *
 * The finding is reported when the password itself crosses, not when the login starts: an
 * AUTHENTICATE LOGIN cancelled with "*" after the user name (RFC 4954 §4, RFC 3501 §6.2.2)
 * sent no password, and a client probing a mechanism it then abandons exposed nothing.
 */
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { AUTH_COMMANDS, mechanismOf } from '../conversation.js';
import { addUnique } from '../store.js';

const CLEARTEXT = new Set(['LOGIN-COMMAND', 'PLAIN', 'LOGIN']);

/**
 * How many client SASL responses go by before the password is on the wire: PLAIN carries it in
 * its one message (RFC 4616 §2), LOGIN in the answer to the second prompt ("Password:"); an
 * initial response (RFC 4959, RFC 4954 §4, RFC 5034) is the first of those messages.
 */
export function responsesBeforePassword(mech: string, args: string): number {
  const hasInitialResponse = args.trim().split(/\s+/).length > 1;
  if (mech === 'PLAIN') return hasInitialResponse ? 0 : 1;
  if (mech === 'LOGIN') return hasInitialResponse ? 1 : 2;
  return 0;
}

/** Counts the non-cancelling SASL responses per login command; says when the password crossed. */
class PasswordCrossing {
  private readonly sent = new WeakMap<object, number>();

  /** At the command: true when the command line itself carries the password. */
  command(auth: object, mech: string, args: string): boolean {
    const needed = responsesBeforePassword(mech, args);
    this.sent.set(auth, 0);
    return needed === 0;
  }

  /** At a client response to a challenge of `auth`: true when this response carried the password. */
  response(auth: object, mech: string, args: string, cancel: boolean): boolean {
    if (cancel || !this.sent.has(auth)) return false;
    const count = this.sent.get(auth)! + 1;
    this.sent.set(auth, count);
    return count === responsesBeforePassword(mech, args);
  }
}

/** RFC 5530 response code: the server requires privacy (TLS) before this login. */
const PRIVACY_REQUIRED = /^\[PRIVACYREQUIRED\b/i;

export const meta: RuleMeta = {
  id: 'cleartext-password',
  area: 'Authentication',
  severity: { info: 'on the lab\'s own network (trusted, the default): what the technician set up', warning: 'on a network marked untrusted, or when the server refused the login for it (PRIVACYREQUIRED, LOGINDISABLED)' },
  signature: 'LOGIN, AUTHENTICATE PLAIN or AUTHENTICATE LOGIN on a connection that is neither implicit TLS (993) nor after a successful STARTTLS, reported once the password is on the wire (a login cancelled with "*" before it sent none).',
  wire: ['C: A1 LOGIN phone 123456     (no TLS)'],
  source: 'RFC 3501 §6.2.3 and RFC 4616 §6 warn against it; Cyrus and Dovecot advertise LOGINDISABLED without TLS unless allowed. The reference case\'s owner found plain LOGIN the only login that worked.',
  example: { mechanisms: ['LOGIN-COMMAND'] },
};

/** The password crossed in clear on `connId`: info on a trusted network, a warning otherwise. */
function reportCleartext(host: RuleHost, connId: string, seqs: number[], mech: string, sending = false): void {
  const network = host.network;
  host.store.report({
    id: 'cleartext-password',
    severity: network === 'untrusted' ? 'warning' : 'info',
    conn: connId,
    evidence: seqs,
    update(d) {
      d.network = network;
      addUnique(d, 'mechanisms', mech);
      if (sending) d.sending = true;
    },
  });
}

export function cleartextPasswordRule(): Rule {
  const imap = new PasswordCrossing();
  const smtp = new PasswordCrossing();
  const pop3 = new PasswordCrossing();
  return {
    id: 'cleartext-password',
    onClient(item, conn, host) {
      if (conn.security !== 'none') return;
      const cmd = item.kind === 'command' ? item.cmd : item.kind === 'sasl-response' ? item.auth : undefined;
      if (!cmd || (cmd.name !== 'LOGIN' && cmd.name !== 'AUTHENTICATE')) return;
      const mech = mechanismOf(cmd);
      if (!CLEARTEXT.has(mech)) return;
      const args = cmd.name === 'LOGIN' ? '' : cmd.args;
      const crossed = item.kind === 'command' ? imap.command(cmd, mech, args) : imap.response(cmd, mech, args, item.kind === 'sasl-response' && item.cancel);
      if (crossed) reportCleartext(host, conn.id, item.line.seqs, mech);
    },
    onServer(item, conn, host) {
      if (item.kind !== 'tagged' || item.status !== 'NO' || !item.cmd || !AUTH_COMMANDS.has(item.cmd.name)) return;
      if (!PRIVACY_REQUIRED.test(item.text) || !host.store.has('cleartext-password')) return;
      host.store.report({
        id: 'cleartext-password',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          d.refused = item.line.text.slice(0, 120);
        },
      });
    },
    onSmtpClient(item, conn, host) {
      const cmd = item.kind === 'command' ? item.cmd : item.kind === 'sasl-response' ? item.auth : undefined;
      if (!cmd || cmd.verb !== 'AUTH' || item.line.tls) return;
      const mech = (cmd.args.split(' ')[0] ?? '').toUpperCase();
      if (!CLEARTEXT.has(mech)) return;
      const crossed = item.kind === 'command' ? smtp.command(cmd, mech, cmd.args) : smtp.response(cmd, mech, cmd.args, item.kind === 'sasl-response' && item.cancel);
      if (crossed) reportCleartext(host, conn.id, item.line.seqs, mech, true);
    },
    onPop3Client(item, conn, host) {
      const cmd = item.kind === 'command' ? item.cmd : item.auth;
      if (cmd.line.tls) return;
      const mech = cmd.verb === 'PASS' ? 'USER-PASS' : cmd.verb === 'AUTH' ? (cmd.args.split(' ')[0] ?? '').toUpperCase() : '';
      if (mech !== 'USER-PASS' && !CLEARTEXT.has(mech)) return;
      const args = cmd.verb === 'AUTH' ? cmd.args : '';
      const crossed = item.kind === 'command' ? pop3.command(cmd, mech, args) : pop3.response(cmd, mech, args, item.cancel);
      if (crossed) reportCleartext(host, conn.id, (item.kind === 'command' ? item.cmd.line : item.line).seqs, mech);
    },
  };
}
