/**
 * Protocol errors as typed values: a command module throws an SmtpError naming what went wrong,
 * and the session maps it 1:1 to a reply (RFC 5321 §4.2, enhanced codes RFC 3463 / RFC 2034).
 * The wording follows Postfix where a client may have learnt to read it. Anything else thrown is
 * a bug: the session answers 451 4.3.0 and records lab.error.
 */

/** Every refusal the lab can give, with its reply code, enhanced status code and text. */
export const SMTP_ERRORS = {
  'command-unrecognized': [500, '5.5.2', 'Error: command not recognized'],
  'line-too-long': [500, '5.5.2', 'Error: line too long'],
  'syntax': [501, '5.5.4', 'Syntax error in parameters or arguments'],
  'bad-sender': [501, '5.1.7', 'Bad sender address syntax'],
  'bad-recipient': [501, '5.1.3', 'Bad recipient address syntax'],
  'not-implemented': [502, '5.5.1', 'Error: command not implemented'],
  'need-ehlo': [503, '5.5.1', 'Error: send HELO/EHLO first'],
  'nested-mail': [503, '5.5.1', 'Error: nested MAIL command'],
  'need-mail': [503, '5.5.1', 'Error: need MAIL command'],
  'need-rcpt': [503, '5.5.1', 'Error: need RCPT command'],
  'auth-not-enabled': [503, '5.5.1', 'Error: authentication not enabled'],
  'already-authenticated': [503, '5.5.1', 'Error: already authenticated'],
  'auth-in-transaction': [503, '5.5.1', 'Error: MAIL transaction in progress'],
  'mechanism-unknown': [504, '5.5.4', 'Unrecognized authentication type'],
  'auth-required': [530, '5.7.0', 'Authentication required'],
  'tls-required': [530, '5.7.0', 'Must issue a STARTTLS command first'],
  'auth-failed': [535, '5.7.8', 'Error: authentication failed'],
  'auth-cancelled': [501, '5.7.0', 'Authentication aborted'],
  'auth-bad-response': [501, '5.5.2', 'Cannot decode response'],
  'auth-malformed': [535, '5.7.8', 'Error: authentication failed: malformed response'],
  'tls-active': [554, '5.5.1', 'Error: TLS already active'],
  'tls-unavailable': [454, '4.7.0', 'TLS not available due to local problem'],
  'too-many-recipients': [452, '4.5.3', 'Error: too many recipients'],
  'message-too-big': [552, '5.3.4', 'Message size exceeds fixed limit'],
  'storage-full': [452, '4.3.1', 'Insufficient system storage'],
  'unsupported-parameter': [555, '5.5.4', 'Unsupported option'],
  'bare-lf': [550, '5.5.2', 'Error: bare <LF> received'],
  'expn-disabled': [502, '5.5.1', 'EXPN not available'],
  'data-after-bdat': [503, '5.5.1', 'Error: DATA after BDAT'],
  'mail-after-bdat': [503, '5.5.1', 'Error: MAIL after BDAT'],
  'rcpt-after-bdat': [503, '5.5.1', 'Error: RCPT after BDAT'],
  'bdat-discarded': [551, '5.0.0', 'Discarded after earlier error'],
  'no-valid-recipients': [554, '5.5.1', 'Error: no valid recipients'],
  // RFC 3030 §2: the octets that follow cannot be found without a valid count, so the lab closes (as Postfix).
  'bdat-syntax': [521, '5.5.4', 'Syntax: BDAT count [LAST]'],
} as const satisfies Record<string, readonly [number, string, string]>;

export type SmtpErrorCode = keyof typeof SMTP_ERRORS;

export class SmtpError extends Error {
  override name = 'SmtpError';
  constructor(
    readonly code: SmtpErrorCode,
    /** Replaces the table's text (e.g. "Unsupported option: RET"). */
    readonly detail?: string,
  ) {
    super(detail ?? SMTP_ERRORS[code][2]);
  }

  get reply(): number {
    return SMTP_ERRORS[this.code][0];
  }

  get enhanced(): string {
    return SMTP_ERRORS[this.code][1];
  }
}
