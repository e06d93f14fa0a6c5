/**
 * `login-prompt-mismatch`: the client aborts AUTHENTICATE LOGIN after a challenge other than
 * `Username:` / `Password:` (the draft-murchison-sasl-login prompts that Symbian matches
 * literally).
 *
 * Wire signature:
 *   S: + VXNlciBOYW1lAA==       ("User Name\0")
 *   C: *                       (cancel), or the connection closes
 */
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { PerConn } from './types.js';

const STANDARD = /^(username|password):?$/i;

export const meta: RuleMeta = {
  id: 'login-prompt-mismatch',
  area: 'Authentication',
  severity: { error: 'the phone cancelled the login at an unexpected prompt' },
  signature: 'The client cancels AUTHENTICATE LOGIN (`*`, or closes the connection) after a challenge other than `Username:` / `Password:`.',
  wire: ['S: + VXNlciBOYW1lAA==     ("User Name")', 'C: *'],
  source: 'The SASL LOGIN mechanism (draft-murchison-sasl-login) names the prompts `Username:` and `Password:`; Symbian S60 matches them literally.',
  example: { prompt: 'User Name' },
};

export function loginPromptMismatchRule(): Rule {
  const st = new PerConn<{ odd: { seqs: number[]; prompt: string } | null }>(() => ({ odd: null }));
  const report = (host: RuleHost, conn: string, evidence: number[], prompt: string) =>
    host.store.report({
      id: 'login-prompt-mismatch',
      severity: 'error',
      conn,
      evidence,
      update(d) {
        d.prompt = prompt;
      },
    });
  return {
    id: 'login-prompt-mismatch',
    onServer(item, conn) {
      if (item.kind !== 'continuation' || !item.auth || !/^LOGIN\b/i.test(item.auth.args)) return;
      const prompt = (item.decoded ?? item.text).replace(/\0/g, '').trim();
      st.get(conn.id).odd = STANDARD.test(prompt) ? null : { seqs: [...item.line.seqs], prompt: prompt.slice(0, 40) };
    },
    onClient(item, conn, host) {
      const s = st.peek(conn.id);
      if (!s?.odd) return;
      if (item.kind === 'sasl-response' && item.cancel) report(host, conn.id, [...s.odd.seqs, ...item.line.seqs], s.odd.prompt);
      s.odd = null;
    },
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'conn.close') return;
      const s = st.peek(ev.conn);
      if (s?.odd) report(host, ev.conn, [...s.odd.seqs, ev.seq], s.odd.prompt);
      st.drop(ev.conn);
    },
  };
}
