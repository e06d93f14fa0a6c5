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

/** Output was lost for a reason other than its reader leaving (a full disk behind a redirect). */
let outputLost = false;

/**
 * For every command: a reader that goes away (`mailprobe sessions | head -1`,
 * `mailprobe diagnose … --json | jq` that exits early) ends what the command prints, not the
 * command. Without a listener, the EPIPE of the first write after it left is an uncaught
 * exception: a stack trace and exit code 1 for output nobody wanted. With one, the rest of the
 * output goes nowhere, the command finishes its work (a report still gets written) and returns
 * its own exit code. Output that someone did want and that could not be written (ENOSPC: stdout
 * redirected to a full disk) is said on stderr and makes the exit code 1 (`exitCodeAfterOutput`).
 * `mailprobe lab` adds its own OutputStream on top, to say so in its session.
 */
export function tolerateGoneReader(stream: NodeJS.WriteStream, name: 'stdout' | 'stderr'): void {
  let said = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'EIO') return; // the reader went away (EIO: its terminal closed)
    outputLost = true;
    process.exitCode = 1; // for an error that comes after the command returned its code
    if (said || name === 'stderr') return;
    said = true;
    process.stderr.write(`mailprobe: could not write to ${name}: ${err.message}\n`);
  });
}

/** The command's exit code, 1 at least when output it wrote was lost (tolerateGoneReader). */
export function exitCodeAfterOutput(code: number): number {
  return outputLost ? Math.max(code, 1) : code;
}
