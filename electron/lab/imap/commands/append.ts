/** APPEND (RFC 3501 §6.3.11) with UIDPLUS's APPENDUID (RFC 4315 §3). */
import { parseDateTime } from '../dates.js';
import { ImapBad } from '../errors.js';
import { parseFlag } from './store.js';
import { storeCall } from './util.js';
import type { CommandModule } from './types.js';

export const append: CommandModule = {
  name: 'APPEND',
  requires: 'authenticated',
  run({ r, session }) {
    r.sp();
    const name = r.astring();
    r.sp();
    let flags: string[] | undefined;
    let date: Date | undefined;
    if (r.peek() === '(') {
      flags = r.list(() => parseFlag(r));
      r.sp();
    }
    if (r.peek() === '"') {
      date = parseDateTime(r.quoted().toString('latin1'));
      r.sp();
    }
    if (!r.atLiteral()) throw new ImapBad('APPEND needs the message as a literal');
    const literal = r.takeMessageLiteral();
    r.end();
    const { store } = session;
    // A large message arrived in a spool file (../literal-spool.ts): the store takes the file
    // rather than its bytes in memory.
    const uid = storeCall(
      () => (Buffer.isBuffer(literal) ? store.append(name, literal, flags, date) : literal.handOff((source) => store.appendFrom(name, source, flags, date))),
      true,
    );
    const info = session.store.info(name);
    return `[APPENDUID ${info?.uidValidity ?? 0} ${uid}] Completed`;
  },
};
