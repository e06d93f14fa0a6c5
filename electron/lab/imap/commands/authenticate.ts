/**
 * AUTHENTICATE (RFC 3501 §6.2.2) with SASL-IR (RFC 4959). The SASL mechanisms are pure step
 * functions (../../sasl); this module does the IMAP side: base64 both ways, `+ ` continuations,
 * "*" to cancel, the tagged result, the `auth` event. Continuation lines are recorded as
 * secrets. Success is answered in Cyrus's words, "OK Success (no protection)", as in the seed.
 */
import { createMechanism } from '../../sasl/index.js';
import type { SaslContext, SaslServerMechanism, SaslStep } from '../../sasl/types.js';
import { accountSaslContext, decodeSaslResponse } from '../../sasl/wire.js';
import type { LineFrame } from '../codec/framer.js';
import { ImapBad, ImapNo } from '../errors.js';
import type { ImapSession } from '../session.js';
import { PENDING, type CommandModule } from './types.js';

/** Mechanisms that send the password in clear: refused before TLS when LOGINDISABLED is in force. */
const CLEARTEXT = new Set(['PLAIN', 'LOGIN']);

const decode = decodeSaslResponse;

export function saslContext(session: ImapSession): SaslContext {
  return accountSaslContext(session.options.account, session.options.hostname);
}

export const authenticate: CommandModule = {
  name: 'AUTHENTICATE',
  requires: 'not-authenticated',
  run({ tag, r, session }) {
    r.sp();
    const name = r.atom().toUpperCase();
    let initial: Buffer | null = null;
    if (r.maybe(' ')) {
      const ir = r.restOfLine();
      // Only white space after the name is no initial response: mutt's GNU SASL sends
      // "AUTHENTICATE CRAM-MD5 "; Dovecot 2.3 answers it, and "PLAIN ", as if the space were not there.
      if (ir.trim() === '') initial = null;
      else if (ir.trim() === '=') initial = Buffer.alloc(0);
      else {
        initial = decode(ir);
        if (initial === null) throw new ImapBad('Invalid base64 in initial response');
      }
    }
    r.end();
    if (!(session.options.mechanisms as string[]).includes(name)) {
      throw new ImapNo(`Unsupported authentication mechanism ${name}`);
    }
    if (CLEARTEXT.has(name) && session.loginDisabled()) {
      session.recordAuth(name, '', false, 'cleartext mechanism refused before TLS');
      throw new ImapNo(`${name} only after STARTTLS`, 'PRIVACYREQUIRED');
    }
    const mech = createMechanism(name, saslContext(session));
    if (!mech) throw new ImapNo(`Unsupported authentication mechanism ${name}`);
    const step = mech.start(initial);
    handleStep(tag, mech, step, session);
    return PENDING;
  },
};

/** Act on one SASL step; returns true while the exchange continues. */
function handleStep(tag: string, mech: SaslServerMechanism, step: SaslStep, session: ImapSession): boolean {
  switch (step.type) {
    case 'challenge':
      session.emit(`+ ${step.data.length ? step.data.toString('base64') : ''}\r\n`);
      session.expectLine(tag, (frame) => onResponse(tag, mech, frame, session), true);
      return true;
    case 'done':
      session.recordAuth(mech.name, step.user, true);
      session.authenticated(step.user);
      session.finish(tag, 'OK', 'Success (no protection)');
      return false;
    case 'error':
      session.recordAuth(mech.name, step.user ?? '', false, step.message);
      if (step.reason === 'bad-credentials') session.finish(tag, 'NO', '[AUTHENTICATIONFAILED] Authentication failed');
      else session.finish(tag, 'BAD', `Invalid ${mech.name} response`);
      return false;
  }
}

function onResponse(tag: string, mech: SaslServerMechanism, frame: LineFrame, session: ImapSession): void {
  if (frame.text === '*') {
    // RFC 3501 §6.2.2: the client cancels with "*"; the server answers BAD.
    session.recordAuth(mech.name, '', false, 'cancelled by the client');
    session.finish(tag, 'BAD', 'AUTHENTICATE cancelled');
    return;
  }
  const data = decode(frame.text);
  if (data === null) {
    session.recordAuth(mech.name, '', false, 'invalid base64 in a response');
    session.finish(tag, 'BAD', 'Invalid base64 in response');
    return;
  }
  handleStep(tag, mech, mech.next(data), session);
}
