/**
 * AUTH (RFC 4954 §4) with an optional initial response. The SASL mechanisms are the pure step
 * functions of ../../sasl; this module does the SMTP side: base64 both ways, `334` challenges,
 * "*" to cancel (501), 235 on success, 535 on failure, the `auth` event. Continuation lines
 * are recorded as secrets.
 */
import { createMechanism } from '../../sasl/index.js';
import type { SaslServerMechanism, SaslStep } from '../../sasl/types.js';
import { accountSaslContext, decodeSaslResponse } from '../../sasl/wire.js';
import type { LineFrame } from '../../connection/framer.js';
import { SmtpError } from '../errors.js';
import type { SmtpSession } from '../session.js';
import type { SmtpCommand } from './types.js';

/** RFC 4954 §4: DIGEST-MD5's digest-uri names the "smtp" service. */
const SMTP_SASL_SERVICE = 'smtp';

export const auth: SmtpCommand = {
  name: 'AUTH',
  run({ args, session }) {
    const opts = session.options;
    if (opts.auth === 'off') throw new SmtpError('auth-not-enabled');
    if (!session.helo) throw new SmtpError('need-ehlo');
    if (session.user) throw new SmtpError('already-authenticated');
    if (session.transaction) throw new SmtpError('auth-in-transaction');
    const m = /^(\S+)(?: (\S*))?\s*$/.exec(args);
    if (!m) throw new SmtpError('syntax', 'Syntax: AUTH mechanism [initial-response]');
    const name = m[1].toUpperCase();
    if (opts.authRequiresTls && !session.tls) {
      session.recordAuth(name, '', false, 'AUTH refused before STARTTLS');
      throw new SmtpError('tls-required');
    }
    if (!(opts.mechanisms as string[]).includes(name)) throw new SmtpError('mechanism-unknown');
    let initial: Buffer | null = null;
    if (m[2] !== undefined) {
      // RFC 4954 §4: "=" is an empty initial response.
      initial = m[2] === '=' ? Buffer.alloc(0) : decodeSaslResponse(m[2]);
      if (initial === null) throw new SmtpError('auth-bad-response');
    }
    const mech = createMechanism(name, accountSaslContext(opts.account, opts.hostname, SMTP_SASL_SERVICE));
    if (!mech) throw new SmtpError('mechanism-unknown');
    handleStep(mech, mech.start(initial), session);
  },
};

function handleStep(mech: SaslServerMechanism, step: SaslStep, session: SmtpSession): void {
  switch (step.type) {
    case 'challenge':
      session.emit(`334 ${step.data.toString('base64')}\r\n`);
      session.expectLine((frame) => onResponse(mech, frame, session));
      return;
    case 'done':
      session.recordAuth(mech.name, step.user, true);
      session.authenticated(step.user);
      session.ok(235, '2.7.0', 'Authentication successful');
      return;
    case 'error':
      session.recordAuth(mech.name, step.user ?? '', false, step.message);
      session.fail(new SmtpError(step.reason === 'bad-credentials' ? 'auth-failed' : 'auth-malformed'));
      return;
  }
}

function onResponse(mech: SaslServerMechanism, frame: LineFrame, session: SmtpSession): void {
  if (frame.text === '*') {
    session.recordAuth(mech.name, '', false, 'cancelled by the client');
    session.fail(new SmtpError('auth-cancelled'));
    return;
  }
  const data = decodeSaslResponse(frame.text);
  if (data === null) {
    session.recordAuth(mech.name, '', false, 'invalid base64 in a response');
    session.fail(new SmtpError('auth-bad-response'));
    return;
  }
  handleStep(mech, mech.next(data), session);
}

