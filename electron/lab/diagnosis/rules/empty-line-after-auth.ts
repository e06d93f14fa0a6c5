/**
 * `empty-line-after-auth`: a bare CRLF from the client right after the server's tagged OK/NO to
 * AUTHENTICATE or LOGIN.
 *
 * Wire signature (seed, Nokia 6233 firmware 05.10 with CRAM-MD5):
 *   S: A0 OK Success (no protection)
 *   C: \r\n
 *   S: * BAD Invalid tag            (Cyrus; Dovecot: "* BAD Error in IMAP tag")
 * Not this quirk: the empty SASL response that ends DIGEST-MD5 (RFC 2831 §2.1.3) and a `*`
 * cancel; the conversation classifies those as SASL responses, so they never reach here.
 * An untagged BAD answer makes it an error: the phone then reads the login as failed.
 */
import type { Rule, RuleMeta } from './types.js';
import { PerConn } from './types.js';
import { addUnique, increment } from '../store.js';

export function followsAuthResult(conn: { lastTagged?: { item: { cmd?: { name: string } }; clientItemsSince: number } }): boolean {
  const lt = conn.lastTagged;
  return !!lt && lt.clientItemsSince === 0 && !!lt.item.cmd && (lt.item.cmd.name === 'LOGIN' || lt.item.cmd.name === 'AUTHENTICATE');
}

export const meta: RuleMeta = {
  id: 'empty-line-after-auth',
  area: 'Authentication',
  severity: {
    warning: 'an empty line right after the login result',
    error: 'the server answered it with an untagged BAD, which the phone can take for a failed login',
  },
  signature:
    "A bare CRLF from the client right after the server's tagged OK or NO to AUTHENTICATE or LOGIN. " +
    "Not DIGEST-MD5's final empty response (RFC 2831 §2.1.3) and not a `*` cancel: those are SASL responses.",
  wire: ['S: A0 OK Success (no protection)', 'C: (empty line)', 'S: * BAD Invalid tag', '(20 seconds of silence)', 'C: A1 NOOP'],
  source:
    "The reference case: Nokia 6233 firmware 05.10 with CRAM-MD5 against Cyrus (the owner's tcpdump); a reader saw the same on a Nokia 6300. " +
    'Cyrus answers `* BAD Invalid tag`, Dovecot `* BAD Error in IMAP tag`.',
  example: { mechanisms: ['CRAM-MD5'], authResult: 'OK', serverReaction: '* BAD Invalid tag' },
};

export function emptyLineAfterAuthRule(): Rule {
  // After the empty line, the next server line tells how the server took it.
  const waiting = new PerConn<{ on: boolean }>(() => ({ on: false }));
  return {
    id: 'empty-line-after-auth',
    onClient(item, conn, host) {
      if (item.kind !== 'empty' || !followsAuthResult(conn)) return;
      const lt = conn.lastTagged!;
      const cmd = lt.item.cmd!;
      host.store.report({
        id: 'empty-line-after-auth',
        severity: 'warning',
        conn: conn.id,
        evidence: [...lt.item.line.seqs, ...item.line.seqs],
        update(d) {
          increment(d, 'count');
          const mech = cmd.name === 'LOGIN' ? 'LOGIN-COMMAND' : (cmd.args.split(' ')[0] ?? '').toUpperCase();
          addUnique(d, 'mechanisms', mech);
          d.authResult = lt.item.status;
        },
      });
      waiting.get(conn.id).on = true;
    },
    onServer(item, conn, host) {
      const w = waiting.peek(conn.id);
      if (!w?.on) return;
      w.on = false;
      if (item.kind === 'untagged' && item.name === 'BAD') {
        host.store.report({
          id: 'empty-line-after-auth',
          severity: 'error',
          conn: conn.id,
          evidence: item.line.seqs,
          update(d) {
            d.serverReaction = item.line.text.slice(0, 120);
          },
        });
      }
    },
    onEvent(ev) {
      if (ev.kind === 'conn.close') waiting.drop(ev.conn);
    },
  };
}
