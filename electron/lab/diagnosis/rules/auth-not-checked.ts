/**
 * `auth-not-checked`: the server turned the login down before it checked any password, so
 * the account details are not the problem (../auth-refusal.ts tells the cases apart):
 *  - `unsupported-mechanism`: AUTHENTICATE with a mechanism the server does not offer
 *    (`NO [ALERT] Unsupported authentication mechanism.`, Dovecot);
 *  - `refused-command`: a BAD to the LOGIN/AUTHENTICATE line itself (`a1 LOGIN` without
 *    arguments, invalid base64 in a SASL-IR initial response, or `AUTHENTICATE CRAM-MD5 ` with
 *    a trailing space, which GNU SASL clients such as mutt send and Dovecot accepts);
 *  - `refused-response`: a BAD to a SASL response (not to the client's `*` cancel, and not
 *    after DIGEST-MD5's rspauth, which is `digest-final-response-missing`);
 *  - `server-problem`: a NO with UNAVAILABLE, SERVERBUG, … (RFC 5530): the server's own trouble.
 * A `*` cancel is the client's own choice and no finding (the attempt says so); a demand for
 * TLS first (PRIVACYREQUIRED) is `cleartext-password`. The phone's line is quoted with its
 * secrets (LOGIN arguments, initial responses) replaced.
 */
import type { Rule, RuleMeta } from './types.js';
import { PerConn } from './types.js';
import { mechanismOf, type Command } from '../conversation.js';
import { REDACTED } from '../../recorder/redact.js';
import { VIOLATION_SAMPLE_BYTES } from '../constants.js';
import { addUnique, pushBounded } from '../store.js';
import { authRefusal } from '../auth-refusal.js';

export const meta: RuleMeta = {
  id: 'auth-not-checked',
  area: 'Authentication',
  severity: { warning: 'the server refused the login before it checked any password' },
  signature: 'A BAD to the LOGIN/AUTHENTICATE line itself or to a SASL response (not to the client\'s own "*" cancel), a NO for a mechanism the server does not offer, or a NO with a server-problem code (UNAVAILABLE, SERVERBUG; RFC 5530).',
  wire: ['C: a0000 AUTHENTICATE CRAM-MD5 ', 'S: a0000 BAD Invalid arguments'],
  source: 'Dovecot 2.3\'s answers, probed on this machine; mutt (GNU SASL) sends the trailing space, which RFC 4959\'s grammar allows and Dovecot accepts.',
  example: { reasons: ['refused-command'], mechanisms: ['CRAM-MD5'], samples: [{ line: 'a0000 AUTHENTICATE CRAM-MD5 ', serverSaid: 'a0000 BAD Invalid arguments', reason: 'refused-command', mechanism: 'CRAM-MD5', advertised: true }] },
};

/** The client's command line as it may be shown: tag, command, mechanism, and secrets replaced. */
function shownLine(cmd: Command): string {
  const head = cmd.line.text.slice(0, cmd.line.text.length - cmd.args.length);
  if (cmd.name === 'LOGIN') return cmd.args.trim() === '' ? cmd.line.text : `${head}${REDACTED}`;
  const mech = /^\S*/.exec(cmd.args)![0];
  const rest = cmd.args.slice(mech.length);
  // Only spaces after the mechanism (mutt's trailing space): show them; anything else is a secret.
  return `${head}${mech}${rest.trim() === '' ? rest : ` ${REDACTED}`}`.slice(0, VIOLATION_SAMPLE_BYTES);
}

export function authNotCheckedRule(): Rule {
  /** The last challenge decoded on the connection said rspauth= (DIGEST-MD5's last step). */
  const afterRspauth = new PerConn<{ on: boolean }>(() => ({ on: false }));
  return {
    id: 'auth-not-checked',
    onServer(item, conn, host) {
      if (item.kind === 'continuation' && item.auth) {
        afterRspauth.get(conn.id).on = /^rspauth=/i.test(item.decoded ?? '');
        return;
      }
      if (item.kind !== 'tagged' || !item.cmd) return;
      const why = authRefusal(item, conn);
      const digestFinal = afterRspauth.peek(conn.id)?.on === true;
      afterRspauth.drop(conn.id);
      if (why !== 'unsupported-mechanism' && why !== 'refused-command' && why !== 'refused-response' && why !== 'server-problem') return;
      if (why === 'refused-response' && digestFinal) return;
      const cmd = item.cmd;
      const mech = mechanismOf(cmd);
      const advertised = cmd.name === 'LOGIN' ? !conn.capabilities.has('LOGINDISABLED') : conn.capabilities.has(`AUTH=${mech}`);
      const sample = {
        conn: conn.id,
        reason: why,
        mechanism: mech,
        line: shownLine(cmd),
        serverSaid: item.line.text.slice(0, VIOLATION_SAMPLE_BYTES),
        advertised,
        // `AUTHENTICATE CRAM-MD5 `: RFC 4959's grammar lets the initial response after SP be empty.
        emptyInitialResponse: cmd.name === 'AUTHENTICATE' && / $/.test(cmd.line.text) && cmd.args.trim() === mech,
      };
      host.store.report({
        id: 'auth-not-checked',
        severity: 'warning',
        conn: conn.id,
        evidence: [...cmd.line.seqs, ...item.line.seqs],
        update(d) {
          addUnique(d, 'reasons', why);
          addUnique(d, 'mechanisms', mech);
          pushBounded(d, 'samples', sample);
        },
      });
    },
    onEvent(ev) {
      if (ev.kind === 'conn.close') afterRspauth.drop(ev.conn);
    },
  };
}
