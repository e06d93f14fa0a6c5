/**
 * A recorded session as a pcapng capture (`mailprobe export SESSION --pcapng OUT`): each mail
 * connection's TCP stream as it crossed the wire, from the events alone.
 *
 * - Plaintext bytes are the c2s/s2c events; once a connection speaks TLS its bytes are the
 *   wire.c2s/wire.s2c events (the records as sent) and the c2s/s2c with `tls: true` (the
 *   plaintext inside) are left out, since they are not what crossed the wire.
 * - Timestamps are the events' (milliseconds), made strictly increasing in microseconds so
 *   packets keep the recorded order; addresses and ports are conn.open's.
 * - Secrets: by default the capture has no TLS keys and the secret ranges of the clear streams
 *   (passwords, AUTHENTICATE payloads: the `secrets` the recorder marked, and the lab password
 *   wherever it appears) are overwritten with 'X', byte for byte, so every sequence number
 *   stays true. With `includeSecrets` the key log lines go into one Decryption Secrets Block
 *   before the first packet and the clear streams are left as they were.
 */
import type { BytesEvent, ConnCloseEvent, ConnOpenEvent, LabEvent, WireBytesEvent } from '../../../api.js';
import { decodeBytes } from '../../recorder/bytes.js';
import { REDACTED } from '../../recorder/redact.js';
import { MIN_SCRUBBED_PASSWORD_LENGTH } from '../../report/secrets.js';
import { asIPv6, parseEndpoint, type Endpoint } from './packets.js';
import { enhancedPacketBlock, interfaceDescriptionBlock, LINKTYPE_RAW, sectionHeaderBlock, tlsKeylogBlock } from './pcapng.js';
import { TcpFlow, type Side } from './tcp-flow.js';

/** The byte that replaces a secret in a redacted capture. */
export const SECRET_FILL = 0x58; // 'X'
/** Listeners whose bytes the lab does not record (the hand-off page records its requests as http.request): left out. */
const UNRECORDED_PROTOS = new Set(['http', 'ui']);

export interface PcapngExportOptions {
  /** Embed the TLS key log lines (a DSB) and leave passwords in the clear streams. */
  includeSecrets?: boolean;
  /** The SHB's application option. */
  application?: string;
}

export interface ExportedConnection {
  conn: string;
  proto: string;
  /** The lab's port, for "decode as" on non-standard ports. */
  port: number;
  tls: boolean;
  /** TLS whose raw bytes are in the record (sessions of older versions kept only the plaintext). */
  wire: boolean;
  /** Key log lines recorded for it. */
  keylogLines: number;
}

export interface PcapngExportSummary {
  connections: ExportedConnection[];
  packets: number;
  /** Key log lines embedded in the DSB (0 unless includeSecrets). */
  keylogLines: number;
  /** Key log lines recorded in the session, embedded or not. */
  keylogRecorded: number;
  /** Bytes overwritten because they were secrets. */
  redactedBytes: number;
  /** Bytes that crossed the wire but are not in the record (sequence gaps). */
  missingBytes: number;
  /** Connections left out: their bytes are not recorded (HTTP hand-off) or their conn.open is missing. */
  skipped: string[];
  redacted: boolean;
}

type ConnPlan = { open: ConnOpenEvent; client: Endpoint; server: Endpoint; wire: boolean; tls: boolean; keylog: string[] };

/** First pass: which connections are exported, with their endpoints, and which have raw TLS bytes. */
function plan(events: readonly LabEvent[]): { conns: Map<string, ConnPlan>; skipped: string[]; password?: string } {
  const conns = new Map<string, ConnPlan>();
  const skipped: string[] = [];
  let password: string | undefined;
  const wire = new Set<string>();
  const tls = new Set<string>();
  const keylog = new Map<string, string[]>();
  for (const ev of events) {
    if (ev.kind === 'lab.start' && ev.account?.password && ev.account.password !== REDACTED) password = ev.account.password;
    if (ev.kind === 'wire.c2s' || ev.kind === 'wire.s2c') wire.add(ev.conn);
    if (ev.kind === 'tls.hello' && ev.conn) tls.add(ev.conn);
    if (ev.kind === 'tls.keylog' && ev.line !== REDACTED) keylog.set(ev.conn, [...(keylog.get(ev.conn) ?? []), ev.line]);
  }
  for (const ev of events) {
    if (ev.kind !== 'conn.open') continue;
    if (UNRECORDED_PROTOS.has(ev.proto)) continue;
    let client = parseEndpoint(ev.remote);
    let server = parseEndpoint(ev.local);
    if (!client || !server) {
      skipped.push(`${ev.conn} (${ev.proto}): addresses not recorded (${ev.remote} → ${ev.local})`);
      continue;
    }
    if (client.ip.length !== server.ip.length) {
      client = { ip: asIPv6(client.ip), port: client.port };
      server = { ip: asIPv6(server.ip), port: server.port };
    }
    conns.set(ev.conn, { open: ev, client, server, wire: wire.has(ev.conn), tls: tls.has(ev.conn) || wire.has(ev.conn), keylog: keylog.get(ev.conn) ?? [] });
  }
  return { conns, skipped, password };
}

/** UTF-16 offsets of `text` (the recorder's secret ranges) to byte offsets of its UTF-8 encoding. */
function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

/** The bytes of a clear c2s/s2c event with its secrets overwritten in place; returns how many were. */
function blankSecrets(ev: BytesEvent, bytes: Buffer, password: string | undefined): number {
  let count = 0;
  const fill = (from: number, to: number): void => {
    for (let i = Math.max(0, from); i < Math.min(bytes.length, to); i++) {
      if (bytes[i] !== SECRET_FILL) count++;
      bytes[i] = SECRET_FILL;
    }
  };
  if (ev.secrets?.length) {
    if (ev.text === undefined) fill(0, bytes.length); // ranges of a b64 payload mean all of it
    else for (const [a, b] of ev.secrets) fill(byteOffset(ev.text, a), byteOffset(ev.text, b));
  }
  // Defence in depth, as in the report: the lab password wherever it appears in clear.
  if (password && password.length >= MIN_SCRUBBED_PASSWORD_LENGTH) {
    const needle = Buffer.from(password, 'utf8');
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) fill(at, at + needle.length);
  }
  return count;
}

/** Bytes recorded and bytes known to be missing (truncated: only a prefix, or nothing past the cap). */
function payloadOf(ev: BytesEvent | WireBytesEvent): { bytes: Buffer; missing: number } {
  const bytes = decodeBytes(ev);
  const missing = ev.truncated !== undefined ? Math.max(0, ev.truncated - bytes.length) : 0;
  return { bytes, missing };
}

function closingSide(ev: ConnCloseEvent): { side: Side; reset: boolean } {
  const reset = /reset/i.test(ev.reason ?? '');
  return { side: ev.by === 'client' ? 'client' : 'server', reset };
}

/** Epoch ms → strictly increasing microseconds. */
class Clock {
  private last = -1n;
  at(ms: number): bigint {
    const us = BigInt(Math.max(0, Math.round(ms))) * 1000n;
    this.last = us > this.last ? us : this.last + 1n;
    return this.last;
  }
}

/**
 * Write the session's capture through `write` (called with each block, in order). Events must
 * be in seq order (as readEvents returns them).
 */
export function exportPcapng(events: readonly LabEvent[], write: (block: Buffer) => void, opts: PcapngExportOptions = {}): PcapngExportSummary {
  const includeSecrets = opts.includeSecrets === true;
  const { conns, skipped, password } = plan(events);
  const summary: PcapngExportSummary = { connections: [], packets: 0, keylogLines: 0, keylogRecorded: 0, redactedBytes: 0, missingBytes: 0, skipped, redacted: !includeSecrets };
  for (const [conn, p] of conns) {
    summary.connections.push({ conn, proto: p.open.proto, port: p.open.port, tls: p.tls, wire: p.wire, keylogLines: p.keylog.length });
    summary.keylogRecorded += p.keylog.length;
  }
  write(sectionHeaderBlock(opts.application ?? 'Mailprobe', includeSecrets ? 'Mailprobe session export, with TLS keys and passwords' : 'Mailprobe session export, redacted: no TLS keys, passwords overwritten with X'));
  write(interfaceDescriptionBlock(LINKTYPE_RAW, 'mailprobe-session'));
  if (includeSecrets) {
    // One DSB ahead of every packet: Wireshark reads the keys before the first record that needs them.
    const lines = [...conns.values()].flatMap((p) => p.keylog);
    if (lines.length > 0) write(tlsKeylogBlock(lines));
    summary.keylogLines = lines.length;
  }

  const clock = new Clock();
  const flows = new Map<string, TcpFlow>();
  const sink = (ms: number, packet: Buffer): void => {
    write(enhancedPacketBlock(clock.at(ms), packet));
    summary.packets++;
  };
  for (const ev of events) {
    if (!ev.conn) continue;
    const p = conns.get(ev.conn);
    if (!p) continue;
    const ms = Date.parse(ev.t);
    if (ev.kind === 'conn.open') {
      const flow = new TcpFlow(ev.conn, p.client, p.server, sink);
      flows.set(ev.conn, flow);
      flow.open(ms);
      continue;
    }
    const flow = flows.get(ev.conn);
    if (!flow) continue;
    switch (ev.kind) {
      case 'c2s':
      case 's2c': {
        // Inside TLS the wire events carry the bytes (or, in a session of an older version,
        // nothing does): the plaintext is not what was on the wire.
        if (ev.tls) break;
        const { bytes, missing } = payloadOf(ev);
        if (!includeSecrets) summary.redactedBytes += blankSecrets(ev, bytes, password);
        const side: Side = ev.kind === 'c2s' ? 'client' : 'server';
        flow.data(ms, side, bytes);
        flow.gap(side, missing);
        summary.missingBytes += missing;
        break;
      }
      case 'wire.c2s':
      case 'wire.s2c': {
        const { bytes, missing } = payloadOf(ev);
        const side: Side = ev.kind === 'wire.c2s' ? 'client' : 'server';
        flow.data(ms, side, bytes);
        flow.gap(side, missing);
        summary.missingBytes += missing;
        break;
      }
      case 'conn.close': {
        const { side, reset } = closingSide(ev);
        flow.close(ms, side, reset);
        break;
      }
      default:
        break;
    }
  }
  return summary;
}
