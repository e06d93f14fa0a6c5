/**
 * Builds ClientHello bytes for tests, byte by byte from RFC 5246 §7.4.1.2, so the reader is
 * checked against the wire format rather than against itself.
 */
export interface HelloSpec {
  recordVersion?: number;
  version?: number;
  suites: number[];
  compression?: number[];
  sessionId?: Buffer;
  /** Raw extensions (type, body). Omit for a hello without an extensions block. */
  extensions?: Array<[number, Buffer]>;
  random?: Buffer;
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);

export function helloMessage(spec: HelloSpec): Buffer {
  const sid = spec.sessionId ?? Buffer.alloc(0);
  const comp = spec.compression ?? [0];
  const parts = [
    u16(spec.version ?? 0x0301),
    spec.random ?? Buffer.alloc(32, 0x42),
    Buffer.from([sid.length]),
    sid,
    u16(spec.suites.length * 2),
    ...spec.suites.map(u16),
    Buffer.from([comp.length, ...comp]),
  ];
  if (spec.extensions) {
    const ext = Buffer.concat(spec.extensions.flatMap(([t, b]) => [u16(t), u16(b.length), b]));
    parts.push(u16(ext.length), ext);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([1]), u24(body.length), body]);
}

/** The hello in handshake records of at most `fragment` bytes each. */
export function helloRecords(spec: HelloSpec, fragment = 16384): Buffer {
  const msg = helloMessage(spec);
  const out: Buffer[] = [];
  for (let off = 0; off < msg.length; off += fragment) {
    const piece = msg.subarray(off, off + fragment);
    out.push(Buffer.from([22]), u16(spec.recordVersion ?? 0x0301), u16(piece.length), piece);
  }
  return Buffer.concat(out);
}

export const ext = {
  sni: (name: string): [number, Buffer] => {
    const n = Buffer.from(name);
    const entry = Buffer.concat([Buffer.from([0]), u16(n.length), n]);
    return [0, Buffer.concat([u16(entry.length), entry])];
  },
  supportedVersions: (vs: number[]): [number, Buffer] => [43, Buffer.concat([Buffer.from([vs.length * 2]), ...vs.map(u16)])],
  sigAlgs: (xs: number[]): [number, Buffer] => [13, Buffer.concat([u16(xs.length * 2), ...xs.map(u16)])],
  groups: (xs: number[]): [number, Buffer] => [10, Buffer.concat([u16(xs.length * 2), ...xs.map(u16)])],
  pointFormats: (xs: number[]): [number, Buffer] => [11, Buffer.from([xs.length, ...xs])],
  alpn: (xs: string[]): [number, Buffer] => {
    const l = Buffer.concat(xs.map((x) => Buffer.concat([Buffer.from([x.length]), Buffer.from(x)])));
    return [16, Buffer.concat([u16(l.length), l])];
  },
  reneg: (): [number, Buffer] => [0xff01, Buffer.from([0])],
  padding: (n: number): [number, Buffer] => [21, Buffer.alloc(n)],
  raw: (t: number, b: Buffer = Buffer.alloc(0)): [number, Buffer] => [t, b],
};

/** An SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2). `kinds` are 3-byte CIPHER-KINDs. */
export function ssl2Hello(version: number, kinds: number[], challenge: Buffer = Buffer.alloc(16, 0x17)): Buffer {
  const specs = Buffer.concat(kinds.map((k) => Buffer.from([k >> 16, (k >> 8) & 0xff, k & 0xff])));
  const msg = Buffer.concat([Buffer.from([1]), u16(version), u16(specs.length), u16(0), u16(challenge.length), specs, challenge]);
  return Buffer.concat([Buffer.from([0x80 | (msg.length >> 8), msg.length & 0xff]), msg]);
}
