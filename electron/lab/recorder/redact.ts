/**
 * Secrets are stored (the technician may need them) and redacted in every export unless the
 * user asks otherwise (DESIGN.md, Events). One function, used by the CLI, the report and the UI.
 */
import type { LabEvent } from '../../api.js';

export const REDACTED = '‹redacted›';

/** A copy of the event with its secrets replaced by REDACTED. Events without secrets are returned as is. */
export function redactEvent(ev: LabEvent): LabEvent {
  switch (ev.kind) {
    case 'lab.start':
      return { ...ev, account: { ...ev.account, password: REDACTED } };
    case 'c2s':
    case 's2c': {
      if (!ev.secrets || ev.secrets.length === 0) return ev;
      if (ev.text === undefined) {
        const { b64: _dropped, ...rest } = ev;
        return { ...rest, text: REDACTED };
      }
      const ranges = [...ev.secrets].sort((a, b) => a[0] - b[0]);
      let out = '';
      let at = 0;
      for (const [start, end] of ranges) {
        if (end <= at) continue;
        out += ev.text.slice(at, Math.max(at, start)) + REDACTED;
        at = Math.max(at, end);
      }
      out += ev.text.slice(at);
      return { ...ev, text: out };
    }
    case 'tls.keylog':
      // A key log line decrypts the whole connection (and the password inside it).
      return { ...ev, line: REDACTED };
    default:
      return ev;
  }
}

export function redactEvents(events: readonly LabEvent[]): LabEvent[] {
  return events.map(redactEvent);
}

/**
 * Events kept for the capture export only (`mailprobe export --pcapng`): the raw TLS bytes and
 * the key log lines. A person reads the plaintext c2s/s2c instead, so the timeline, the wizard
 * and the report leave them out.
 */
export function isCaptureOnly(ev: LabEvent): boolean {
  return ev.kind === 'wire.c2s' || ev.kind === 'wire.s2c' || ev.kind === 'tls.keylog';
}
