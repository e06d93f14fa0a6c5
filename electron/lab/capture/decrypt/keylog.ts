/**
 * NSS key log files (the SSLKEYLOGFILE format that NSS, OpenSSL, GnuTLS, Node's `keylog` event
 * and Wireshark share): one `LABEL <client_random hex> <secret hex>` per line, `#` comments.
 * TLS ≤ 1.2 uses CLIENT_RANDOM (the 48-byte master secret, RFC 5246 §8.1); TLS 1.3 logs each
 * traffic secret of RFC 8446 §7.1 under its own label.
 */

/** Labels this decryptor reads. Other labels (EXPORTER_SECRET, early data) are kept by the
 * parser but not used. */
export const KEYLOG_LABELS = [
  'CLIENT_RANDOM',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
] as const;
export type KeyLogLabel = (typeof KEYLOG_LABELS)[number];

const LINE = /^([A-Z0-9_]+) ([0-9a-fA-F]{64}) ([0-9a-fA-F]{2,256})$/;

/** The key log lines of a file's text, trimmed, without comments, blank or malformed lines. */
export function parseKeyLog(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (LINE.test(line)) out.push(line);
  }
  return out;
}

/** Secrets by label and client random (lower-case hex). */
export class KeyLogIndex {
  private readonly map = new Map<string, Buffer>();

  constructor(lines: readonly string[]) {
    for (const line of lines) {
      const m = LINE.exec(line.trim());
      if (m) this.map.set(`${m[1]} ${m[2].toLowerCase()}`, Buffer.from(m[3], 'hex'));
    }
  }

  get size(): number {
    return this.map.size;
  }

  get(label: KeyLogLabel, clientRandom: Buffer): Buffer | undefined {
    return this.map.get(`${label} ${clientRandom.toString('hex')}`);
  }
}
