/**
 * `digest-final-response-missing`: after the server's `+ <base64 rspauth=…>` the client sends
 * nothing, or a non-empty line, instead of the empty response RFC 2831 §2.1.3 requires
 * ("the client … responds with an empty response").
 *
 * Wire signature:
 *   S: + cnNwYXV0aD1…          (rspauth=…)
 *   C: (nothing until timeout / close)   or   C: A2 NOOP
 * The seed's 6233 does send the empty line correctly; that is not a quirk.
 */
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { PerConn } from './types.js';

export const meta: RuleMeta = {
  id: 'digest-final-response-missing',
  area: 'Authentication',
  severity: { error: 'the DIGEST-MD5 exchange never ends' },
  signature: "After the server's `+ <base64 rspauth=…>` the client sends nothing, or a non-empty line, instead of the empty response RFC 2831 requires.",
  wire: ['S: + cnNwYXV0aD0…      (rspauth=…)', 'C: (nothing until the timeout)   or   C: A2 NOOP'],
  source: 'RFC 2831 §2.1.3 ("the client … responds with an empty response"). The reference case\'s 6233 does send it; a client that does not hangs until a timeout.',
  example: { clientDid: 'sent nothing; the server ended the exchange' },
};

export function digestFinalResponseMissingRule(): Rule {
  const st = new PerConn<{ waiting: number[] | null }>(() => ({ waiting: null }));
  const report = (host: RuleHost, conn: string, evidence: number[], what: string) =>
    host.store.report({
      id: 'digest-final-response-missing',
      severity: 'error',
      conn,
      evidence,
      update(d) {
        d.clientDid = what;
      },
    });
  return {
    id: 'digest-final-response-missing',
    onServer(item, conn, host) {
      const s = st.get(conn.id);
      if (item.kind === 'continuation' && item.auth && /^DIGEST-MD5\b/i.test(item.auth.args) && item.decoded && /rspauth=/i.test(item.decoded)) {
        s.waiting = [...item.line.seqs];
      } else if (item.kind === 'tagged' && s.waiting && item.cmd?.name === 'AUTHENTICATE') {
        // The server ended the exchange (timeout or error) without the final empty response.
        report(host, conn.id, [...s.waiting, ...item.line.seqs], 'sent nothing; the server ended the exchange');
        s.waiting = null;
      }
    },
    onClient(item, conn, host) {
      const s = st.peek(conn.id);
      if (!s?.waiting) return;
      if (item.kind === 'sasl-response' && !item.cancel && item.line.text.trim() === '') {
        s.waiting = null;
        return;
      }
      if (item.kind === 'sasl-response' && item.cancel) {
        s.waiting = null;
        return;
      }
      report(host, conn.id, [...s.waiting, ...item.line.seqs], 'sent a non-empty line instead of the empty response');
      s.waiting = null;
    },
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'conn.close') return;
      const s = st.peek(ev.conn);
      if (s?.waiting) report(host, ev.conn, [...s.waiting, ev.seq], 'sent nothing and the connection closed');
      st.drop(ev.conn);
    },
  };
}
