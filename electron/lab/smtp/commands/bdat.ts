/**
 * BDAT (RFC 3030 §2, the CHUNKING extension): `BDAT size [LAST]`, then exactly `size` octets of
 * the message, no dot stuffing. Each chunk is answered 250 once its octets are in; LAST ends the
 * message, which is kept and delivered as after DATA. A chunk that cannot be taken (no MAIL, no
 * recipient, past SIZE) is still read, then refused. The session streams the octets (session.ts).
 */
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

/** A chunk size, digits only (RFC 3030 §2 `bdat-cmd`); 20 digits already exceed any size limit. */
const BDAT_ARGS = /^(\d{1,20})(?: +(LAST))? *$/i;

export const bdat: SmtpCommand = {
  name: 'BDAT',
  run({ args, session }) {
    const m = BDAT_ARGS.exec(args);
    if (!m) {
      session.refuseAndClose(new SmtpError('bdat-syntax'));
      return;
    }
    session.startChunk(Number(m[1]), m[2] !== undefined);
  },
};
