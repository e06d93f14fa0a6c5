/** The TRANSACTION state's commands (RFC 1939 §5, §7): STAT, LIST, RETR, DELE, RSET, TOP, UIDL. */
import { Pop3Error } from '../errors.js';
import { topEnd, topOf } from '../reply.js';
import type { Pop3Command } from './types.js';
import type { StoredMessage } from '../../mailbox/types.js';
import type { Pop3Session } from '../session.js';
import { liveMessage, messageNumber, words } from './util.js';

/** Octets of every message not marked deleted: STAT's and LIST's total (RFC 1939 §5). */
function liveOctets(session: Pop3Session): { count: number; octets: number } {
  const drop = session.maildrop!;
  const live = drop.numbers();
  return { count: live.length, octets: live.reduce((sum, n) => sum + drop.size(drop.get(n)!), 0) };
}

/**
 * LIST and UIDL share their shape (RFC 1939 §7): with a message number, one "+OK n value" line;
 * without, a multi-line body of "n value" for every live message.
 */
function perMessage(session: Pop3Session, args: string, value: (m: StoredMessage) => string, firstLine: () => string): void {
  const w = words(args);
  if (w.length > 1) throw new Pop3Error('syntax');
  if (w.length === 1) {
    const n = messageNumber(w[0]);
    session.ok(`${n} ${value(liveMessage(session, n))}`);
    return;
  }
  const drop = session.maildrop!;
  session.okBody(firstLine(), Buffer.from(drop.numbers().map((n) => `${n} ${value(drop.get(n)!)}\r\n`).join('')));
}

export const stat: Pop3Command = {
  name: 'STAT',
  states: ['transaction'],
  run({ session }) {
    const { count, octets } = liveOctets(session);
    session.ok(`${count} ${octets}`);
  },
};

export const list: Pop3Command = {
  name: 'LIST',
  states: ['transaction'],
  run({ args, session }) {
    perMessage(session, args, (m) => String(session.maildrop!.size(m)), () => {
      const { count, octets } = liveOctets(session);
      return `${count} messages (${octets} octets)`;
    });
  },
};

export const uidl: Pop3Command = {
  name: 'UIDL',
  states: ['transaction'],
  run({ args, session }) {
    perMessage(session, args, (m) => session.maildrop!.uidl(m), () => '');
  },
};

export const retr: Pop3Command = {
  name: 'RETR',
  states: ['transaction'],
  run({ args, session }) {
    const w = words(args);
    if (w.length !== 1) throw new Pop3Error('syntax');
    const m = liveMessage(session, messageNumber(w[0]));
    // RFC 1939 §7: RETR marks nothing; \Seen is what IMAP will show of it (Dovecot does the same).
    session.options.store.setFlags('INBOX', [m.uid], 'add', ['\\Seen']);
    session.okMessage(`${m.size} octets`, m, m.size);
  },
};

export const top: Pop3Command = {
  name: 'TOP',
  states: ['transaction'],
  run({ args, session }) {
    const w = words(args);
    if (w.length !== 2 || !/^\d{1,9}$/.test(w[1])) throw new Pop3Error('syntax');
    const m = liveMessage(session, messageNumber(w[0]));
    if (m.body.memory) session.okBody('', topOf(m.body.memory, Number(w[1])));
    else session.okMessage('', m, topEnd(m, Number(w[1])));
  },
};

export const dele: Pop3Command = {
  name: 'DELE',
  states: ['transaction'],
  run({ args, session }) {
    const w = words(args);
    if (w.length !== 1) throw new Pop3Error('syntax');
    const n = messageNumber(w[0]);
    liveMessage(session, n);
    session.maildrop!.mark(n);
    session.ok('Marked to be deleted.');
  },
};

export const rset: Pop3Command = {
  name: 'RSET',
  states: ['transaction'],
  run({ session }) {
    session.maildrop!.reset();
    const drop = session.maildrop!;
    session.ok(`${drop.numbers().length} messages`);
  },
};
