/**
 * Secrets in the report: passwords, AUTHENTICATE payloads and LOGIN arguments are
 * hidden everywhere unless the technician asks for them.
 *
 * First line of defence: `redactEvent` from the recorder, which replaces the `secrets` ranges
 * the protocol code set on c2s events and lab.start's account password.
 * Defence in depth, because the report is what leaves the building and a recorder bug must not
 * leak a customer's password:
 *  - the lab password string is scrubbed from every piece of text the report draws;
 *  - inside an AUTHENTICATE exchange (IMAP, RFC 3501 §6.2.2), an AUTH exchange (SMTP, RFC 4954 §4)
 *    or a POP3 AUTH (RFC 5034 §4), every continuation line is treated as secret in both
 *    directions until the exchange ends, whatever ranges the recorder set; an initial response
 *    on the command line too;
 *  - the arguments of IMAP LOGIN and of POP3 PASS are secret.
 */
import type { BytesEvent, LabEvent } from '../../api.js';
import { isCaptureOnly, REDACTED, redactEvent } from '../recorder/index.js';

export { REDACTED };

/** Passwords shorter than this are not scrubbed as plain strings (it would mangle every word). */
export const MIN_SCRUBBED_PASSWORD_LENGTH = 3;

export interface PreparedEvents {
  /** The lab password, when known and hidden: binary previews that contain it are not shown. */
  password?: string;
  /** The events to render: redacted unless secrets were asked for. */
  events: LabEvent[];
  /** Applied to every string the report draws. */
  scrub: (text: string) => string;
  redacted: boolean;
}

type Exchange =
  | { kind: 'imap'; tag: string }
  | { kind: 'smtp' }
  | { kind: 'pop3' };

interface ConnState {
  exchange?: Exchange;
  /** The unterminated start of the current line in each direction (bytes split across events). */
  partial: { c2s: string; s2c: string };
}

const IMAP_AUTH = /^(\S+) +AUTHENTICATE +\S+( +)?/i;
const IMAP_LOGIN = /^(\S+) +LOGIN +/i;
const SMTP_AUTH = /^AUTH +\S+( +)?/i;
const POP3_PASS = /^PASS +/i;

function passwordOf(events: readonly LabEvent[]): string | undefined {
  for (const ev of events) {
    if (ev.kind === 'lab.start' && ev.account.password && ev.account.password !== REDACTED) return ev.account.password;
  }
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A scrubber that replaces every occurrence of the given secrets (and their base64) with REDACTED. */
export function makeScrubber(secrets: Array<string | undefined>): (text: string) => string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < MIN_SCRUBBED_PASSWORD_LENGTH) continue;
    needles.add(s);
  }
  if (needles.size === 0) return (t) => t;
  const re = new RegExp([...needles].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(re, REDACTED);
}

/**
 * Which character ranges of one line are secret, given the exchange state; updates the state.
 * `full` is the whole line so far (partial + this piece); the result is relative to `full`.
 */
function secretFrom(state: ConnState, dir: 'c2s' | 's2c', full: string, complete: boolean, proto: string): number | undefined {
  const line = full.replace(/\r?\n$/, '');
  const ex = state.exchange;
  if (dir === 'c2s') {
    if (ex) return line.length > 0 ? 0 : undefined; // a continuation response (RFC 3501 §6.2.2)
    let m = IMAP_AUTH.exec(line);
    if (m && proto !== 'smtp' && proto !== 'smtps') {
      if (complete) state.exchange = { kind: 'imap', tag: m[1] };
      return m[2] ? m[0].length : undefined; // SASL-IR initial response (RFC 4959)
    }
    m = SMTP_AUTH.exec(line);
    if (m) {
      if (complete) state.exchange = proto.startsWith('pop3') ? { kind: 'pop3' } : { kind: 'smtp' };
      return m[1] ? m[0].length : undefined;
    }
    m = IMAP_LOGIN.exec(line);
    if (m) return m[0].length;
    m = POP3_PASS.exec(line);
    if (m && proto.startsWith('pop3')) return m[0].length;
    return undefined;
  }
  // Server side: continuation requests carry challenges; the exchange ends with a final answer.
  if (!ex) return undefined;
  if (ex.kind === 'imap') {
    if (line.startsWith('+')) return line.length > 2 ? 2 : undefined;
    if (complete && line.toUpperCase().startsWith(ex.tag.toUpperCase() + ' ')) state.exchange = undefined;
    return undefined;
  }
  if (ex.kind === 'smtp') {
    if (/^334[ -]/.test(line)) return line.length > 4 ? 4 : undefined;
    if (complete && /^\d{3} /.test(line)) state.exchange = undefined;
    return undefined;
  }
  if (line.startsWith('+')) return line.length > 2 ? 2 : undefined;
  if (complete && /^[+-](OK|ERR)/i.test(line)) state.exchange = undefined;
  return undefined;
}

/** Redact the AUTHENTICATE/LOGIN parts of one bytes event, tracking state across events. */
function redactExchange(ev: BytesEvent, state: ConnState, proto: string): BytesEvent {
  const dir = ev.kind;
  if (ev.text === undefined) {
    // Binary bytes inside an exchange: nothing to show that would be safe.
    if (!state.exchange || ev.b64 === undefined) return ev;
    const { b64: _dropped, ...rest } = ev;
    return { ...rest, text: REDACTED };
  }
  const pieces = ev.text.split(/(?<=\n)/);
  let out = '';
  let changed = false;
  for (const piece of pieces) {
    const complete = piece.endsWith('\n');
    const full = state.partial[dir] + piece;
    const from = secretFrom(state, dir, full, complete, proto);
    state.partial[dir] = complete ? '' : full;
    if (from === undefined) {
      out += piece;
      continue;
    }
    const start = Math.max(0, from - (full.length - piece.length));
    const eol = /\r?\n$/.exec(piece)?.[0] ?? '';
    const body = piece.slice(0, piece.length - eol.length);
    if (start >= body.length || body.slice(start) === REDACTED) {
      out += piece;
      continue;
    }
    out += body.slice(0, start) + REDACTED + eol;
    changed = true;
  }
  return changed ? { ...ev, text: out } : ev;
}

/** The events to render and the scrubber for everything drawn, per the include-secrets choice. */
export function prepareEvents(events: readonly LabEvent[], includeSecrets: boolean): PreparedEvents {
  // Raw TLS bytes and key log lines are for the capture export: never drawn, with or without secrets.
  const shown = events.filter((ev) => !isCaptureOnly(ev));
  if (includeSecrets) return { events: shown, scrub: (t) => t, redacted: false };
  const password = passwordOf(events);
  const scrub = makeScrubber([password]);
  const protoOf = new Map<string, string>();
  const states = new Map<string, ConnState>();
  const out: LabEvent[] = [];
  for (const raw of shown) {
    let ev = redactEvent(raw);
    if (ev.kind === 'conn.open') protoOf.set(ev.conn, ev.proto);
    if ((ev.kind === 'c2s' || ev.kind === 's2c') && ev.conn) {
      let st = states.get(ev.conn);
      if (!st) states.set(ev.conn, (st = { partial: { c2s: '', s2c: '' } }));
      ev = redactExchange(ev, st, protoOf.get(ev.conn) ?? 'imap');
      if (ev.kind === 'c2s' || ev.kind === 's2c') {
        if (ev.text !== undefined) ev = { ...ev, text: scrub(ev.text) };
      }
    }
    out.push(ev);
  }
  return { events: out, scrub, redacted: true, password };
}
