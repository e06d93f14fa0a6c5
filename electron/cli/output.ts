/**
 * stdout and stderr for a command that runs for hours (`mailprobe lab`), whose reader may go
 * away: `mailprobe lab | head -1`, a script piping `--json` into jq that exits, a harness that
 * dies with the pipes it holds. Node ignores SIGPIPE, so a write to a pipe nobody reads fails
 * with EPIPE (a terminal that was closed: EIO); Node destroys the stream and emits 'error' on it
 * a tick later. Without a listener that 'error' is an uncaught exception, and a handler that
 * reports it on the same dead stream fails again, forever: a core at 100% and an events file
 * growing by megabytes a second. An OutputStream listens, stops writing for good at the first
 * failure (a destroyed stdio stream never works again) and says so once.
 */

export interface OutputStream {
  /** Write, or do nothing once the stream has gone. Never throws. */
  write(text: string): void;
  /** True once a write failed or the stream was destroyed. */
  readonly gone: boolean;
}

/** What the stream said when it went: an errno code (`EPIPE`, `EIO`, …) and its message. */
export interface StreamGone {
  code: string;
  message: string;
}

export function outputStream(stream: NodeJS.WriteStream, onGone?: (why: StreamGone) => void): OutputStream {
  let gone = false;
  const goneWith = (err: unknown) => {
    if (gone) return;
    gone = true;
    const e = (err ?? {}) as Partial<NodeJS.ErrnoException>;
    onGone?.({ code: e.code ?? 'ERR_STREAM_DESTROYED', message: e.message ?? String(err) });
  };
  stream.on('error', goneWith);
  return {
    get gone() {
      return gone;
    },
    write(text: string) {
      if (gone) return;
      // Destroyed by a failed write whose 'error' event is still to come: say what it was.
      if (stream.destroyed || !stream.writable) return goneWith(stream.errored ?? { code: 'ERR_STREAM_DESTROYED', message: 'the stream was closed' });
      try {
        stream.write(text);
      } catch (err) {
        goneWith(err);
      }
    },
  };
}

/**
 * For every command: a reader that goes away (`mailprobe sessions | head -1`,
 * `mailprobe diagnose … --json | jq` that exits early) ends what the command prints, not the
 * command. Without a listener, the EPIPE of the first write after it left is an uncaught
 * exception: a stack trace and exit code 1 for output nobody wanted. With one, the rest of the
 * output goes nowhere, the command finishes its work (a report still gets written) and returns
 * its own exit code. `mailprobe lab` adds its own OutputStream on top, to say so in its session.
 */
export function tolerateGoneReader(stream: NodeJS.WriteStream): void {
  stream.on('error', () => undefined);
}
