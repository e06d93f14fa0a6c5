/** Limits both TLS engines share. */

/** Client-initiated renegotiation attempts refused with a no_renegotiation warning on one
 * connection; the next one closes it (RFC 5746 §4.4 lets a server refuse; a client that keeps
 * asking is probing for the renegotiation DoS, and a mail client never asks at all). */
export const MAX_RENEGOTIATION_ATTEMPTS = 3;
