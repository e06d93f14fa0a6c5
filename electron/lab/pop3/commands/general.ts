/** Commands valid in both states: CAPA (RFC 2449), NOOP, QUIT (RFC 1939 §6 UPDATE), STLS (RFC 2595 §4). */
import { Pop3Error } from '../errors.js';
import type { Pop3Command } from './types.js';

export const capa: Pop3Command = {
  name: 'CAPA',
  states: ['authorization', 'transaction'],
  run({ session }) {
    session.okBody('Capability list follows', Buffer.from(session.capabilities().map((c) => `${c}\r\n`).join('')));
  },
};

export const noop: Pop3Command = {
  name: 'NOOP',
  states: ['transaction'],
  run({ session }) {
    session.ok('');
  },
};

export const quit: Pop3Command = {
  name: 'QUIT',
  states: ['authorization', 'transaction'],
  run({ session }) {
    session.quit();
  },
};

export const stls: Pop3Command = {
  name: 'STLS',
  states: ['authorization'],
  run({ session }) {
    if (session.tls) throw new Pop3Error('already-tls');
    if (!session.tlsAcceptor) throw new Pop3Error('tls-unavailable');
    session.startTls();
  },
};
