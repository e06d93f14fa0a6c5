/**
 * `empty-line`: a bare CRLF where a tagged command should be, other than right after an
 * authentication result (that is `empty-line-after-auth`).
 *
 * Wire signature: `\r\n` in command position (RFC 3501 §9: every command starts with a tag).
 * Known: MailKit after an APPEND literal, some proxies. Servers: Cyrus `* BAD Invalid tag`,
 * Dovecot `* BAD Error in IMAP tag`, lenient servers ignore it.
 * Not this quirk: DIGEST-MD5's final empty response and IDLE's DONE (see ../conversation.ts).
 */
import type { Rule, RuleMeta } from './types.js';
import { followsAuthResult } from './empty-line-after-auth.js';
import { increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'empty-line',
  area: 'Authentication',
  severity: { warning: 'an empty line in command position' },
  signature: 'A bare CRLF where a tagged command should be, anywhere but right after a login result (that is `empty-line-after-auth`). DIGEST-MD5\'s final empty response and IDLE\'s DONE are not empty commands.',
  wire: ['C: (empty line)', 'S: * BAD Error in IMAP tag'],
  source: 'RFC 3501 §9 (every command starts with a tag). Known from MailKit after an APPEND literal and from some proxies; Cyrus and Dovecot answer an untagged BAD, lenient servers ignore it.',
  example: { count: 2 },
};

export function emptyLineRule(): Rule {
  return {
    id: 'empty-line',
    onClient(item, conn, host) {
      if (item.kind !== 'empty' || followsAuthResult(conn)) return;
      host.store.report({
        id: 'empty-line',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          increment(d, 'count');
        },
      });
    },
  };
}
