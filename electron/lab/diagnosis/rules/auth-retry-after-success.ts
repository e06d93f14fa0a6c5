/**
 * `auth-retry-after-success`: AUTHENTICATE or LOGIN sent while already authenticated.
 *
 * Wire signature (seed, Nokia 6233 "Automatic": DIGEST-MD5, then CRAM-MD5, then LOGIN):
 *   S: A1 OK Success (no protection)
 *   C: A2 AUTHENTICATE CRAM-MD5      S: A2 BAD Already authenticated
 *   C: A3 LOGIN "..." "..."          S: A3 BAD Already logged in
 */
import { MAX_LISTED_NAMES } from '../constants.js';
import type { Rule, RuleMeta } from './types.js';
import { AUTH_COMMANDS, mechanismOf } from '../conversation.js';
import { addUnique, increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'auth-retry-after-success',
  area: 'Authentication',
  severity: { warning: 'another AUTHENTICATE or LOGIN on a connection that is already logged in' },
  signature: 'AUTHENTICATE or LOGIN sent after the server accepted an earlier login on the same connection.',
  wire: ['S: A1 OK Success (no protection)', 'C: A2 AUTHENTICATE CRAM-MD5', 'S: A2 BAD Already authenticated', 'C: A3 LOGIN "…" "…"', 'S: A3 BAD Already logged in'],
  source: 'The reference case: the Nokia 6233 in "Automatic" mode tries DIGEST-MD5, then CRAM-MD5, then LOGIN (Cyrus\'s answers shown).',
  example: { mechanisms: ['CRAM-MD5', 'LOGIN-COMMAND'], count: 2 },
};

export function authRetryAfterSuccessRule(): Rule {
  return {
    id: 'auth-retry-after-success',
    onClient(item, conn, host) {
      if (item.kind !== 'command' || !AUTH_COMMANDS.has(item.cmd.name) || !conn.authenticated) return;
      item.cmd.marks.add('auth-retry');
      const mech = mechanismOf(item.cmd);
      host.store.report({
        id: 'auth-retry-after-success',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          addUnique(d, 'mechanisms', mech, MAX_LISTED_NAMES);
          increment(d, 'count');
        },
      });
    },
    onServer(item, _conn, host) {
      if (item.kind === 'tagged' && item.cmd?.marks.has('auth-retry')) host.store.addEvidence('auth-retry-after-success', item.line.seqs);
    },
  };
}
