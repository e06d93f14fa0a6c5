/** The TRANSACTION state's commands (RFC 1939 §5, §7): STAT, LIST, RETR, DELE, RSET, TOP, UIDL. */
import { Pop3Error } from '../errors.js';
import { topEnd, topOf } from '../reply.js';
import type { Pop3Command } from './types.js';
import { liveMessage, messageNumber, words } from './util.js';

export const stat: Pop3Command = {
  name: 'STAT',
  states: ['transaction'],
  run({ session }) {
    const drop = session.maildrop!;
    const live = drop.numbers();
    const octets = live.reduce((sum, n) => sum + drop.size(drop.get(n)!), 0);
    session.ok(`${live.length} ${octets}`);
  },
};

export const list: Pop3Command = {
  name: 'LIST',
  states: ['transaction'],
  run({ args, session }) {
    const drop = session.maildrop!;
    const w = words(args);
    if (w.length > 1) throw new Pop3Error('syntax');
    if (w.length === 1) {
      const n = messageNumber(w[0]);
      session.ok(`${n} ${drop.size(liveMessage(session, n))}`);
      return;
    }
    const live = drop.numbers();
    const octets = live.reduce((sum, n) => sum + drop.size(drop.get(n)!), 0);
    session.okBody(`${live.length} messages (${octets} octets)`, Buffer.from(live.map((n) => `${n} ${drop.size(drop.get(n)!)}\r\n`).join('')));
  },
};

export const uidl: Pop3Command = {
  name: 'UIDL',
  states: ['transaction'],
  run({ args, session }) {
    const drop = session.maildrop!;
    const w = words(args);
    if (w.length > 1) throw new Pop3Error('syntax');
    if (w.length === 1) {
      const n = messageNumber(w[0]);
      session.ok(`${n} ${drop.uidl(liveMessage(session, n))}`);
      return;
    }
    session.okBody('', Buffer.from(drop.numbers().map((n) => `${n} ${drop.uidl(drop.get(n)!)}\r\n`).join('')));
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
