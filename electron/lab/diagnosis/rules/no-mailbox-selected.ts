/**
 * `no-mailbox-selected`: EXPUNGE, CLOSE, FETCH, SEARCH, STORE (or COPY/MOVE, UID forms) while
 * no mailbox is selected (RFC 3501 §6.4: selected state only). A symptom: the cause is before it.
 *
 * Wire signature (seed, Nokia 6233 after misreading its login):
 *   C: A2 EXPUNGE     S: A2 BAD Please select a mailbox first
 *   C: A3 CLOSE       S: A3 BAD Please select a mailbox first
 * A SELECT still awaiting its answer counts as selected (pipelining clients such as Symbian).
 */
import { MAX_LISTED_COMMANDS } from '../constants.js';
import type { Rule, RuleMeta } from './types.js';
import { addUnique } from '../store.js';

export const SELECTED_STATE_COMMANDS: ReadonlySet<string> = new Set([
  'EXPUNGE', 'CLOSE', 'FETCH', 'SEARCH', 'STORE', 'COPY', 'MOVE', 'CHECK', 'UNSELECT',
  'UID FETCH', 'UID SEARCH', 'UID STORE', 'UID COPY', 'UID MOVE', 'UID EXPUNGE', 'SORT', 'THREAD', 'UID SORT', 'UID THREAD',
]);

export const meta: RuleMeta = {
  id: 'no-mailbox-selected',
  area: 'State and traffic',
  severity: { warning: 'mailbox commands refused because none was open (a symptom)' },
  signature: 'EXPUNGE, CLOSE, FETCH, SEARCH, STORE, COPY or MOVE (and their UID forms) while no mailbox is selected. A SELECT still waiting for its answer counts as selected.',
  wire: ['C: A2 EXPUNGE', 'S: A2 BAD Please select a mailbox first', 'C: A3 CLOSE', 'S: A3 BAD Please select a mailbox first'],
  source: 'RFC 3501 §6.4 (selected state only). The reference case: the 6233 after misreading its successful login.',
  example: { commands: ['EXPUNGE', 'CLOSE'] },
};

export function noMailboxSelectedRule(): Rule {
  return {
    id: 'no-mailbox-selected',
    onClient(item, conn, host) {
      if (item.kind !== 'command' || !SELECTED_STATE_COMMANDS.has(item.cmd.name)) return;
      if (conn.selected || conn.hasPending('SELECT') || conn.hasPending('EXAMINE')) return;
      item.cmd.marks.add('no-mailbox');
      const name = item.cmd.name;
      host.store.report({
        id: 'no-mailbox-selected',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          addUnique(d, 'commands', name, MAX_LISTED_COMMANDS);
        },
      });
    },
    onServer(item, _conn, host) {
      if (item.kind === 'tagged' && item.cmd?.marks.has('no-mailbox')) host.store.addEvidence('no-mailbox-selected', item.line.seqs);
    },
  };
}
