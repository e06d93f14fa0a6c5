/**
 * What a capture shows of a TLS connection without its keys (RFC 5246 §6.2: the record layer
 * is in clear, and so is the handshake until ChangeCipherSpec): the ClientHello, the server's
 * chosen version and suite, fatal alerts before the handshake ends, and the size of encrypted
 * application data. Turned into the events the lab itself records for TLS.
 */
import type { EventInput, TlsFailureReason } from '../../api.js';
import { helloEvent, parseClientHello } from '../tls/hello.js';
import { cipherSuiteName } from '../tls/names.js';

/** Alert descriptions (RFC 5246 §7.2) that mean "I do not trust or accept your certificate". */
const CERT_ALERTS = new Set([42, 43, 44, 45, 46, 48, 49]);

export const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 40: 'handshake_failure', 42: 'bad_certificate',
  43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired', 46: 'certificate_unknown',
  47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied', 50: 'decode_error', 51: 'decrypt_error',
  70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error', 86: 'inappropriate_fallback',
  90: 'user_canceled', 112: 'unrecognized_name',
};

const VERSIONS: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/** Most bytes buffered per direction while waiting for a whole record. */
const MAX_RECORD_BUFFER = 20 * 1024;

function reasonFor(desc: number): TlsFailureReason {
  if (CERT_ALERTS.has(desc)) return 'client-rejected-certificate';
  if (desc === 40 || desc === 71) return 'no-shared-cipher';
  if (desc === 70) return 'protocol-version';
  return 'client-closed';
}

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

  constructor(
    private readonly conn: string,
    private readonly mode: 'implicit' | 'starttls',
  ) {}

  push(side: Side, data: Buffer): EventInput[] {
    const out: EventInput[] = [];
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
        reason: side === 'server' && CERT_ALERTS.has(desc) ? 'internal' : reasonFor(desc),
        alert: ALERT_NAMES[desc] ?? `alert ${desc}`,
        alertFrom: side,
      });
      return;
    }
    if (type === 22 && side === 'server' && !this.ccs.server && frag[0] === 2 && frag.length >= 4 + 35) {
      const version = frag.readUInt16BE(4);
      const sidLen = frag[4 + 34];
      if (frag.length >= 4 + 35 + sidLen + 2) {
        this.version = VERSIONS[version] ?? `0x${version.toString(16)}`;
        this.cipher = cipherSuiteName(frag.readUInt16BE(4 + 35 + sidLen));
        // TLS 1.3 (RFC 8446 §4.1.3) says "1.2" above and the truth in supported_versions.
        let pos = 4 + 35 + sidLen + 3;
        if (frag.length >= pos + 2) {
          const end = Math.min(frag.length, pos + 2 + frag.readUInt16BE(pos));
          pos += 2;
          while (pos + 4 <= end) {
            const type = frag.readUInt16BE(pos);
            const len = frag.readUInt16BE(pos + 2);
            if (type === 0x002b && len === 2 && pos + 6 <= end) this.version = VERSIONS[frag.readUInt16BE(pos + 4)] ?? this.version;
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
