/** QUIT (RFC 5321 §4.1.1.10): 221, then the server closes. */
import type { SmtpCommand } from './types.js';

export const quit: SmtpCommand = {
  name: 'QUIT',
  run({ session }) {
    session.quit();
  },
};
