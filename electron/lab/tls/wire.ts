/**
 * The raw side of a TLS connection for the session record: every byte the client sent from its
 * ClientHello on and every byte the lab sent back (records as they crossed the wire, not the
 * plaintext), and the connection's secrets as NSS key log lines, so `mailprobe export --pcapng`
 * can rebuild a capture that Wireshark decrypts.
 *
 * Ordering (recorder rule): client bytes are recorded as the socket delivers them, before any
 * engine reads them (`watch` puts its listener first); lab bytes are recorded and flushed right
 * before the socket write, so a lab killed with SIGKILL has on file every byte the client saw.
 */
import type { Socket } from 'node:net';
import type { SessionRecorder } from '../recorder/recorder.js';

export class WireRecorder {
  constructor(
    private readonly recorder: SessionRecorder,
    private readonly conn: string,
  ) {}

  /** Client bytes, as they arrived. */
  in(data: Uint8Array): void {
    if (data.length > 0) this.recorder.recordWire('wire.c2s', this.conn, data);
  }

  /** Lab bytes about to be written: recorded and flushed (with everything before them) first. */
  out(data: Uint8Array): void {
    if (data.length > 0) this.recorder.recordWire('wire.s2c', this.conn, data);
    this.recorder.flush();
  }

  /** One key log line in the NSS format (draft-ietf-tls-keylogfile: SSLKEYLOGFILE), marked secret. */
  keylog(line: string): void {
    const text = line.trim();
    if (text !== '') this.recorder.record({ kind: 'tls.keylog', conn: this.conn, line: text, secret: true });
  }

  /** Record every byte the socket delivers from now on, ahead of the engines' own listeners. */
  watch(socket: Socket): void {
    // prependListener, not on(): it must not change the socket's flowing state, which the
    // sniffer and the engines manage.
    socket.prependListener('data', (d: Buffer) => this.in(d));
  }
}

/** The NSS key log line of a TLS ≤ 1.2 session: CLIENT_RANDOM <32-byte client random> <48-byte master secret>, hex. */
export function clientRandomLine(clientRandom: Uint8Array, masterSecret: Uint8Array): string {
  return `CLIENT_RANDOM ${Buffer.from(clientRandom).toString('hex')} ${Buffer.from(masterSecret).toString('hex')}`;
}
