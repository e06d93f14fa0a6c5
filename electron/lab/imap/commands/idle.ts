/**
 * IDLE (RFC 2177): "+ idling", then updates as they happen until the client sends DONE.
 * An IDLE longer than the limit (idleCommandMaxMs) ends the connection with BYE, as RFC 2177 §3
 * allows after 30 minutes.
 */
import { PENDING, type CommandModule } from './types.js';

export const idle: CommandModule = {
  name: 'IDLE',
  requires: 'authenticated',
  run({ tag, r, session }) {
    r.end();
    session.emit('+ idling\r\n');
    let pending = false;
    const unsubscribe = session.store.onChange(() => {
      if (pending) return;
      pending = true;
      // Coalesce a burst of changes (an APPEND of many, an EXPUNGE) into one update.
      setImmediate(() => {
        pending = false;
        if (session.idling?.tag !== tag || !session.selected) return;
        try {
          const lines = session.selected.sync(true);
          if (lines.length) session.pushNow(lines.map((l) => `* ${l}\r\n`).join(''));
        } catch (err) {
          // Outside any command: record it and keep idling rather than crash the lab.
          session.labError('imap.idle', err as Error);
        }
      });
    });
    const timer = setTimeout(() => {
      session.idling?.stop();
      session.closeWithBye('timeout', 'Autologout; IDLE for too long');
    }, session.options.limits.idleCommandMaxMs);
    timer.unref();
    session.idling = {
      tag,
      stop() {
        unsubscribe();
        clearTimeout(timer);
        if (session.idling?.tag === tag) session.idling = null;
      },
    };
    session.expectLine(
      tag,
      (frame) => {
        session.idling?.stop();
        if (frame.text.toUpperCase() === 'DONE') session.finish(tag, 'OK', 'Idle completed');
        else session.finish(tag, 'BAD', 'Expected DONE');
      },
      false,
    );
    return PENDING;
  },
};
