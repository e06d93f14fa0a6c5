/**
 * What a capture shows of a TLS connection without its keys (RFC 5246 §6.2: the record layer
 * is in clear, and so is the handshake until ChangeCipherSpec): the ClientHello, the server's
 * chosen version and suite, fatal alerts before the handshake ends, and the size of encrypted
 * application data. Turned into the events the lab itself records for TLS.
 */
import type { EventInput } from '../../api.js';
import { helloEvent, parseClientHello } from '../tls/hello.js';
import { alertName, cipherSuiteName, versionName } from '../tls/names.js';
// One reading of alerts for live sessions and captures alike (tls/report.ts).
import { isCertificateReason, reasonForClientAlert } from '../tls/report.js';

/** Most bytes buffered per direction while waiting for a whole record. */
const MAX_RECORD_BUFFER = 20 * 1024;


type Side = 'client' | 'server';

export class TlsStreamWatcher {
  private buf: Record<Side, Buffer> = { client: Buffer.alloc(0), server: Buffer.alloc(0) };
  private helloBuf = Buffer.alloc(0);
  private helloDone = false;
  private ccs: Record<Side, boolean> = { client: false, server: false };
  private established = false;
  private failed = false;
  private version?: string;
  private cipher?: string;
  /** A side whose bytes went missing: its records can no longer be framed. */
  private lost: Record<Side, boolean> = { client: false, server: false };

  constructor(
    private readonly conn: string,
    private readonly mode: 'implicit' | 'starttls',
  ) {}

  push(side: Side, data: Buffer): EventInput[] {
    const out: EventInput[] = [];
    if (this.lost[side]) return out;
    if (side === 'client' && !this.helloDone) {
      this.helloBuf = Buffer.concat([this.helloBuf, data]).subarray(0, 64 * 1024);
      const r = parseClientHello(this.helloBuf);
      if (r.status === 'ok') {
        this.helloDone = true;
        out.push(helloEvent(this.conn, r.hello));
      } else if (r.status === 'error') {
        this.helloDone = true;
      }
    }
    let b = this.buf[side].length ? Buffer.concat([this.buf[side], data]) : data;
    while (b.length >= 5) {
      const type = b[0];
      const len = b.readUInt16BE(3);
      if (b.length < 5 + len) break;
      this.record(side, type, b.subarray(5, 5 + len), out);
      b = b.subarray(5 + len);
    }
    this.buf[side] = b.length > MAX_RECORD_BUFFER ? Buffer.alloc(0) : Buffer.from(b);
    return out;
  }

  /** Bytes of that side are missing from the capture: stop reading its records (their boundaries are lost). */
  gap(side: Side): void {
    this.lost[side] = true;
    this.buf[side] = Buffer.alloc(0);
  }

  /** The connection ended: a handshake that never finished failed. */
  end(by: Side): EventInput[] {
    if (this.established || this.failed || !this.helloDone) return [];
    this.failed = true;
    return [{ kind: 'tls.failed', conn: this.conn, reason: 'client-closed', description: `the ${by} closed the connection during the handshake (seen in the capture)` }];
  }

  private record(side: Side, type: number, frag: Buffer, out: EventInput[]): void {
    if (type === 20) {
      // ChangeCipherSpec: from here this side encrypts.
      this.ccs[side] = true;
      if (this.ccs.client && this.ccs.server && !this.established && !this.failed) {
        this.established = true;
        out.push({
          kind: 'tls.established',
          conn: this.conn,
          version: this.version ?? 'unknown',
          cipher: this.cipher ?? 'unknown',
          // No lab engine took part; named by what the lab would have needed for it.
          engine: this.version === 'TLSv1.2' || this.version === 'TLSv1.3' ? 'modern' : 'legacy',
          mode: this.mode,
        });
      }
      return;
    }
    if (type === 21 && !this.ccs[side] && frag.length >= 2 && frag[0] === 2 && !this.established && !this.failed) {
      this.failed = true;
      const desc = frag[1];
      out.push({
        kind: 'tls.failed',
        conn: this.conn,
        // A certificate alert from the server would be about a client certificate: not the phone's refusal.
        reason: side === 'server' && isCertificateReason(reasonForClientAlert(desc)) ? 'internal' : reasonForClientAlert(desc),
        alert: alertName(desc),
        alertFrom: side,
      });
      return;
    }
    if (type === 22 && side === 'server' && !this.ccs.server && frag[0] === 2 && frag.length >= 4 + 35) {
      const version = frag.readUInt16BE(4);
      const sidLen = frag[4 + 34];
      if (frag.length >= 4 + 35 + sidLen + 2) {
        this.version = versionName(version);
        this.cipher = cipherSuiteName(frag.readUInt16BE(4 + 35 + sidLen));
        // TLS 1.3 (RFC 8446 §4.1.3) says "1.2" above and the truth in supported_versions.
        let pos = 4 + 35 + sidLen + 3;
        if (frag.length >= pos + 2) {
          const end = Math.min(frag.length, pos + 2 + frag.readUInt16BE(pos));
          pos += 2;
          while (pos + 4 <= end) {
            const type = frag.readUInt16BE(pos);
            const len = frag.readUInt16BE(pos + 2);
            if (type === 0x002b && len === 2 && pos + 6 <= end) this.version = versionName(frag.readUInt16BE(pos + 4));
            pos += 4 + len;
          }
        }
      }
      return;
    }
    if (type === 23 && side === 'client' && this.established) {
      // Encrypted application data: its size only (see pcap.ts).
      out.push({ kind: 'c2s', conn: this.conn, tls: true, text: '', truncated: frag.length });
    }
  }
}
