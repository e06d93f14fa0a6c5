/**
 * The AUTHORIZATION state's logins: USER/PASS (RFC 1939 §7), APOP (RFC 1939 §7, MD5 of the
 * greeting's timestamp and the password) and AUTH with the lab's SASL mechanisms and initial
 * responses (RFC 5034). Each login attempt becomes an `auth` event.
 */
import { createHash } from 'node:crypto';
import type { LineFrame } from '../../connection/framer.js';
import { createMechanism } from '../../sasl/index.js';
import type { SaslServerMechanism, SaslStep } from '../../sasl/types.js';
import { accountSaslContext, decodeSaslResponse } from '../../sasl/wire.js';
import { Pop3Error } from '../errors.js';
import type { Pop3Session } from '../session.js';
import type { Pop3Command } from './types.js';

/** RFC 5034 §4: DIGEST-MD5's digest-uri names the "pop" service. */
const POP3_SASL_SERVICE = 'pop';

/** Mechanisms that send the password itself (need TLS unless plaintext is allowed). */
const PLAINTEXT_MECHANISMS = new Set(['PLAIN', 'LOGIN']);

export const user: Pop3Command = {
  name: 'USER',
  states: ['authorization'],
  run({ args, session }) {
    if (!session.plaintextAllowed()) throw new Pop3Error('plaintext-disallowed');
    if (args.trim() === '') throw new Pop3Error('syntax', 'No username given.');
    session.pendingUser = args.trim();
    session.ok('');
  },
};

export const pass: Pop3Command = {
  name: 'PASS',
  states: ['authorization'],
  run({ args, session }) {
    const name = session.pendingUser;
    session.pendingUser = null;
    if (name === null) throw new Pop3Error('user-first');
    // RFC 1939 §7: the password may contain spaces; it is everything after "PASS ".
    const good = sameUser(session, name) && args === session.options.account.password;
    session.recordAuth('USER-PASS', name, good, good ? undefined : 'wrong user name or password');
    if (!good) throw new Pop3Error('auth-failed');
    session.loggedIn(name);
  },
};

export const apop: Pop3Command = {
  name: 'APOP',
  states: ['authorization'],
  run({ args, session }) {
    if (!session.timestamp) throw new Pop3Error('apop-unavailable');
    const m = /^(\S+) ([0-9a-fA-F]{32})$/.exec(args.trim());
    if (!m) throw new Pop3Error('syntax', 'Usage: APOP name digest');
    const expected = createHash('md5').update(session.timestamp + session.options.account.password).digest('hex');
    const good = sameUser(session, m[1]) && m[2].toLowerCase() === expected;
    session.recordAuth('APOP', m[1], good, good ? undefined : 'wrong user name or digest');
    if (!good) throw new Pop3Error('auth-failed');
    session.loggedIn(m[1]);
  },
};

export const auth: Pop3Command = {
  name: 'AUTH',
  states: ['authorization'],
  run({ args, session }) {
    const opts = session.options;
    const m = /^(\S+)(?: (\S*))?\s*$/.exec(args);
    if (!m) {
      // RFC 5034 §4 leaves it to CAPA; many clients still send a bare AUTH to list mechanisms.
      session.okBody('', Buffer.from(opts.mechanisms.map((x) => `${x}\r\n`).join('')));
      return;
    }
    const name = m[1].toUpperCase();
    if (!(opts.mechanisms as string[]).includes(name)) throw new Pop3Error('mechanism-unknown');
    if (PLAINTEXT_MECHANISMS.has(name) && !session.plaintextAllowed()) {
      session.recordAuth(name, '', false, 'plaintext authentication refused without TLS');
      throw new Pop3Error('plaintext-disallowed');
    }
    let initial: Buffer | null = null;
    if (m[2] !== undefined && m[2] !== '') {
      // RFC 5034 §4: "=" is an empty initial response.
      initial = m[2] === '=' ? Buffer.alloc(0) : decodeSaslResponse(m[2]);
      if (initial === null) throw new Pop3Error('auth-malformed');
    }
    const mech = createMechanism(name, accountSaslContext(opts.account, opts.hostname, POP3_SASL_SERVICE));
    if (!mech) throw new Pop3Error('mechanism-unknown');
    step(mech, mech.start(initial), session);
  },
};

function sameUser(session: Pop3Session, name: string): boolean {
  return name.toLowerCase() === session.options.account.user.toLowerCase();
}

function step(mech: SaslServerMechanism, s: SaslStep, session: Pop3Session): void {
  switch (s.type) {
    case 'challenge':
      session.emit(`+ ${s.data.toString('base64')}\r\n`);
      session.expectLine((frame) => onResponse(mech, frame, session));
      return;
    case 'done':
      session.recordAuth(mech.name, s.user, true);
      session.loggedIn(s.user);
      return;
    case 'error':
      session.recordAuth(mech.name, s.user ?? '', false, s.message);
      session.fail(new Pop3Error(s.reason === 'bad-credentials' ? 'auth-failed' : 'auth-malformed'));
      return;
  }
}

function onResponse(mech: SaslServerMechanism, frame: LineFrame, session: Pop3Session): void {
  if (frame.text === '*') {
    session.recordAuth(mech.name, '', false, 'cancelled by the client');
    session.fail(new Pop3Error('auth-cancelled'));
    return;
  }
  const data = decodeSaslResponse(frame.text);
  if (data === null) {
    session.recordAuth(mech.name, '', false, 'invalid base64 in a response');
    session.fail(new Pop3Error('auth-malformed'));
    return;
  }
  step(mech, mech.next(data), session);
}
