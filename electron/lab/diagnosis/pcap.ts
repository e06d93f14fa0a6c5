/**
 * A packet capture as session events, so `mailprobe diagnose capture.pcap` runs the same rules
 * as a lab session. Pure conversion: the CLI runs tshark and hands its field output here.
 *
 * tshark is asked for one line per TCP segment:
 *   tshark -r FILE -T fields -E separator=/t -e frame.time_epoch -e tcp.stream -e ip.src -e tcp.srcport
 *          -e ip.dst -e tcp.dstport -e tcp.flags.syn -e tcp.flags.fin -e tcp.flags.reset -e tcp.payload
 *          -Y "tcp && !tcp.analysis.retransmission"
 * The server side of a stream is the one on port 143/993, else the one that sent the first
 * payload (the IMAP greeting comes from the server).
 *
 * TLS (implicit on 993, or after STARTTLS) cannot be decrypted without keys, but its clear
 * parts say a lot (./pcap-tls.ts): the ClientHello becomes `tls.hello`, a fatal alert before
 * the handshake ends becomes `tls.failed`, both ChangeCipherSpecs `tls.established`; encrypted
 * application data from the client becomes a c2s event with `tls: true`, no bytes and
 * `truncated` set to the record's size (the content is unknown, its existence is not: it is
 * what separates `tls-no-command` from a phone that did talk).
 */
import type { LabEvent } from '../../api.js';
import { encodeBytes } from '../recorder/bytes.js';
import { TlsStreamWatcher } from './pcap-tls.js';

export const TSHARK_FIELDS = [
  'frame.time_epoch', 'tcp.stream', 'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport',
  'tcp.flags.syn', 'tcp.flags.fin', 'tcp.flags.reset', 'tcp.payload', 'tcp.flags.ack',
] as const;

export function tsharkArgs(file: string): string[] {
  return ['-r', file, '-n', '-T', 'fields', '-E', 'separator=/t', '-Y', 'tcp && !tcp.analysis.retransmission', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])];
}

const IMAP_PORTS = new Set([143, 993]);

interface Stream {
  conn: string;
  server?: { ip: string; port: number };
  client?: { ip: string; port: number };
  opened: boolean;
  closed: boolean;
  bytesIn: number;
  bytesOut: number;
  tls: boolean;
  /** Set once the client asked for STARTTLS: its next handshake record starts TLS. */
  starttlsAsked: boolean;
  watcher?: TlsStreamWatcher;
}

const flag = (v: string | undefined) => v === '1' || v === 'True' || v === 'true';

/** Convert tshark field lines into LabEvents (seq from 1). */
export function eventsFromTsharkFields(text: string): LabEvent[] {
  const events: LabEvent[] = [];
  const streams = new Map<string, Stream>();
  let seq = 0;
  let lastT = '';
  const emit = (e: Record<string, unknown>, t: string) => {
    events.push({ seq: ++seq, t, ...e } as unknown as LabEvent);
  };
  const bytes = (s: Stream, from: string, t: string, payload: Buffer) => {
    const c2s = s.client !== undefined && from === `${s.client.ip}:${s.client.port}`;
    if (c2s) s.bytesIn += payload.length;
    else s.bytesOut += payload.length;
    if (!s.watcher && c2s && payload[0] === 0x16 && (s.tls || s.starttlsAsked)) {
      s.watcher = new TlsStreamWatcher(s.conn, s.tls ? 'implicit' : 'starttls');
    }
    if (s.watcher) {
      for (const e of s.watcher.push(c2s ? 'client' : 'server', payload)) emit(e as unknown as Record<string, unknown>, t);
      return;
    }
    if (s.tls) return;
    if (c2s && /(^|\n)\S+ STARTTLS\r?\n/i.test(payload.toString('latin1'))) s.starttlsAsked = true;
    emit({ kind: c2s ? 'c2s' : 's2c', conn: s.conn, ...encodeBytes(payload) }, t);
  };
  /** Opened at the first payload (or the end): implicit TLS is port 993 or a client that starts with a handshake record. */
  const open = (s: Stream, t: string, first?: { from: string; payload: Buffer }) => {
    if (s.opened || !s.server || !s.client) return;
    s.opened = true;
    const clientFirst = first !== undefined && first.from === `${s.client.ip}:${s.client.port}`;
    s.tls = s.server.port === 993 || (clientFirst && first.payload[0] === 0x16);
    emit({ kind: 'conn.open', conn: s.conn, proto: s.tls ? 'imaps' : 'imap', remote: `${s.client.ip}:${s.client.port}`, local: `${s.server.ip}:${s.server.port}`, port: s.server.port }, t);
  };
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const f = raw.split('\t');
    const [epoch, streamId, src, sport, dst, dport, syn, fin, rst, hex, ack] = f;
    if (streamId === undefined || streamId === '' || sport === undefined || dport === undefined) continue;
    const t = new Date(Math.round(Number(epoch) * 1000)).toISOString();
    lastT = t;
    let s = streams.get(streamId);
    if (!s) {
      s = { conn: `c${Number(streamId) + 1}`, opened: false, closed: false, bytesIn: 0, bytesOut: 0, tls: false, starttlsAsked: false };
      streams.set(streamId, s);
    }
    const a = { ip: src ?? '', port: Number(sport) };
    const b = { ip: dst ?? '', port: Number(dport) };
    if (!s.server) {
      if (IMAP_PORTS.has(b.port)) {
        s.server = b;
        s.client = a;
      } else if (IMAP_PORTS.has(a.port)) {
        s.server = a;
        s.client = b;
      } else if (flag(syn) && !flag(ack)) {
        // The SYN (without ACK) comes from the client.
        s.server = b;
        s.client = a;
      }
    }
    const payload = hex ? Buffer.from(hex.replace(/:/g, ''), 'hex') : Buffer.alloc(0);
    if (payload.length > 0) {
      if (!s.server) {
        // A TLS handshake record comes from the client; otherwise the IMAP greeting comes
        // from the server, so the first side to send is the server.
        const fromClient = payload[0] === 0x16;
        s.server = fromClient ? b : a;
        s.client = fromClient ? a : b;
      }
      if (!s.opened) open(s, t, { from: `${a.ip}:${a.port}`, payload });
      bytes(s, `${a.ip}:${a.port}`, t, payload);
    }
    if ((flag(fin) || flag(rst)) && !s.opened) open(s, t);
    if ((flag(fin) || flag(rst)) && s.opened && !s.closed) {
      s.closed = true;
      for (const e of s.watcher?.end(`${a.ip}:${a.port}` === `${s.client?.ip}:${s.client?.port}` ? 'client' : 'server') ?? []) emit(e as unknown as Record<string, unknown>, t);
      const by = s.client && `${a.ip}:${a.port}` === `${s.client.ip}:${s.client.port}` ? 'client' : 'server';
      emit({ kind: 'conn.close', conn: s.conn, by: flag(rst) ? 'error' : by, bytesIn: s.bytesIn, bytesOut: s.bytesOut }, t);
    }
  }
  for (const s of streams.values()) {
    if (s.opened && !s.closed) for (const e of s.watcher?.end('client') ?? []) emit(e as unknown as Record<string, unknown>, lastT);
    if (s.opened && !s.closed) emit({ kind: 'conn.close', conn: s.conn, by: 'client', bytesIn: s.bytesIn, bytesOut: s.bytesOut, reason: 'capture ended' }, lastT);
  }
  return events;
}
