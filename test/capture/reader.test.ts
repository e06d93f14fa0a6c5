/**
 * Mailprobe's capture reader on synthesized captures: every file format and link type it
 * claims, and the TCP cases a real capture has (retransmission, reordering, overlap, loss,
 * mid-stream, reset), asserted on the events and on the diagnosis.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { CaptureFormatError, CaptureSessionBuilder, CaptureStreamReader, LINKTYPE, MAX_OUT_OF_ORDER_SEGMENTS, MAX_PENDING_EVENTS, readCapture, type TlsConnectionDecryptor, type CaptureSecrets } from '../../electron/lab/capture/reader/index.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { decodeBytes } from '../../electron/lab/recorder/bytes.js';
import { loadProfiles } from '../../electron/lab/profiles/index.js';
import { defaultProfilesDir } from '../../electron/lab/package-root.js';
import { buildClientHello, NOKIA_SUITES } from '../../electron/lab/simulate/index.js';
import {
  TcpConversation, enhancedPacket, ethernetFrame, interfaceBlock, nullFrame, obsoletePacket, pcapFile, pcapngFile,
  sectionHeader, secretsBlock, simplePacket, sll2Frame, sllFrame, type Frame, type Segment,
} from '../support/capture-writer.js';
import { fixture, ids } from '../diagnosis/helpers.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('mp-capture-');
let fileNo = 0;

async function eventsOf(file: Buffer, opts: Parameters<typeof readCapture>[2] = {}): Promise<LabEvent[]> {
  const path = join(dir, `c${++fileNo}.pcapng`);
  writeFileSync(path, file);
  const events: LabEvent[] = [];
  await readCapture(path, (e) => events.push(e), opts);
  return events;
}

/** What each direction of each connection carried, joined, with gaps as «gap N». */
function streams(events: LabEvent[]): Record<string, { c2s: string; s2c: string }> {
  const out: Record<string, { c2s: string; s2c: string }> = {};
  for (const e of events) {
    if (e.kind !== 'c2s' && e.kind !== 's2c' && e.kind !== 'capture.gap') continue;
    const s = (out[e.conn] ??= { c2s: '', s2c: '' });
    if (e.kind === 'capture.gap') s[e.direction] += `«gap ${e.bytes}»`;
    else s[e.kind] += decodeBytes(e).toString('latin1');
  }
  return out;
}

const CLIENT = { ip: '192.168.1.23', port: 49153 };
const SERVER = { ip: '192.168.1.10', port: 143 };

function imapConversation(client = CLIENT, server = SERVER): TcpConversation {
  return new TcpConversation(client, server)
    .handshake()
    .send('server', '* OK ready\r\n')
    .send('client', 'a1 LOGIN phone secret\r\n')
    .send('server', 'a1 OK done\r\n')
    .send('client', 'a2 LOGOUT\r\n')
    .send('server', '* BYE\r\na2 OK bye\r\n')
    .close('client');
}

const EXPECTED = { c1: { c2s: 'a1 LOGIN phone secret\r\na2 LOGOUT\r\n', s2c: '* OK ready\r\na1 OK done\r\n* BYE\r\na2 OK bye\r\n' } };

describe('capture file formats', () => {
  const conv = imapConversation();
  const frames = conv.frames(ethernetFrame);

  it('reads pcap in both byte orders, µs and ns, with the packet times', async () => {
    for (const opts of [{}, { bigEndian: true }, { nanos: true }, { bigEndian: true, nanos: true }]) {
      const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, frames, opts));
      expect(streams(events)).toEqual(EXPECTED);
      expect(events[0]).toMatchObject({ kind: 'conn.open', proto: 'imap', remote: '192.168.1.23:49153', local: '192.168.1.10:143', port: 143, t: new Date(conv.segments[3].timestampMs).toISOString() });
      expect(events.at(-1)).toMatchObject({ kind: 'conn.close', by: 'client', bytesIn: EXPECTED.c1.c2s.length, bytesOut: EXPECTED.c1.s2c.length });
    }
  });

  it('reads pcapng in both byte orders, with each interface\'s link type and if_tsresol', async () => {
    // Half the frames on an Ethernet interface in µs, half on an SLL2 one in ns.
    const ipPackets = conv.ipPackets();
    const mixed: Frame[] = ipPackets.map((p, i) => (i % 2 ? { timestampMs: p.timestampMs, data: sll2Frame(p.ip), interfaceId: 1 } : { timestampMs: p.timestampMs, data: ethernetFrame(p.ip), interfaceId: 0 }));
    for (const bigEndian of [false, true]) {
      const events = await eventsOf(pcapngFile([{ linkType: LINKTYPE.ETHERNET }, { linkType: LINKTYPE.LINUX_SLL2, tsresolPow10: 9 }], mixed, { bigEndian }));
      expect(streams(events)).toEqual(EXPECTED);
      const greeting = events.find((e) => e.kind === 's2c')!;
      expect(greeting.t).toBe(new Date(conv.segments[3].timestampMs).toISOString());
    }
  });

  it('reads several sections (each with its own byte order and interfaces), obsolete Packet Blocks and Simple Packet Blocks', async () => {
    const half = Math.floor(frames.length / 2);
    const file = Buffer.concat([
      sectionHeader(false),
      interfaceBlock({ linkType: LINKTYPE.ETHERNET }, false),
      ...frames.slice(0, half).map((f) => obsoletePacket(f, 6, false)),
      sectionHeader(true),
      interfaceBlock({ linkType: LINKTYPE.LINUX_SLL }, true),
      ...conv.ipPackets().slice(half).map((p) => simplePacket({ timestampMs: p.timestampMs, data: sllFrame(p.ip) }, true)),
    ]);
    expect(streams(await eventsOf(file))).toEqual(EXPECTED);
  });

  it('collects the TLS key log lines of Decryption Secrets Blocks', async () => {
    const line = `CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}`;
    const file = Buffer.concat([sectionHeader(), interfaceBlock({ linkType: LINKTYPE.ETHERNET }), secretsBlock(`# comment\n${line}\n`), ...frames.map((f) => enhancedPacket(f, 6))]);
    const path = join(dir, 'dsb.pcapng');
    writeFileSync(path, file);
    let seen: CaptureSecrets | undefined;
    const r = await readCapture(path, () => {}, { decryptorFactory: (s) => ((seen = s), { push: () => [], gap: () => [] }) });
    expect(r.embeddedKeyLogLines).toBe(1);
    expect(r.format).toBe('pcapng');
    // No TLS in this capture: the decryptor is never made, but the secrets are kept for one.
    expect(seen).toBeUndefined();
  });

  it('reads the file in chunks of any size (one byte at a time included)', () => {
    const file = pcapngFile([{ linkType: LINKTYPE.ETHERNET }], frames);
    const got: number[] = [];
    const reader = new CaptureStreamReader({ packet: (p) => got.push(p.data.length) });
    for (let i = 0; i < file.length; i++) reader.push(file.subarray(i, i + 1));
    expect(reader.end().truncatedBytes).toBe(0);
    expect(got).toEqual(frames.map((f) => f.data.length));
  });

  it('says what is wrong with a file that is not a capture, or a corrupt one', () => {
    const notCapture = new CaptureStreamReader({ packet: () => {} });
    expect(() => notCapture.push(Buffer.from('{"seq":1,"t":"2026-11-29T10:00:00Z","kind":"lab.start"}\n'))).toThrow(CaptureFormatError);
    const corrupt = Buffer.from(pcapFile(LINKTYPE.ETHERNET, frames.slice(0, 1)));
    corrupt.writeUInt32LE(0x7fffffff, 24 + 8);
    expect(() => new CaptureStreamReader({ packet: () => {} }).push(corrupt)).toThrow(/corrupt/);
    const cut = new CaptureStreamReader({ packet: () => {} });
    const whole = pcapFile(LINKTYPE.ETHERNET, frames.slice(0, 2));
    cut.push(whole.subarray(0, whole.length - 3));
    expect(cut.end().truncatedBytes).toBeGreaterThan(0);
  });
});

describe('link types and IP', () => {
  const conv = imapConversation();
  const cases: Array<[string, number, (ip: Buffer) => Buffer]> = [
    ['Ethernet with 802.1Q and QinQ tags', LINKTYPE.ETHERNET, (ip) => ethernetFrame(ip, { vlan: [100, 200] })],
    ['Linux cooked (SLL)', LINKTYPE.LINUX_SLL, sllFrame],
    ['Linux cooked v2 (SLL2)', LINKTYPE.LINUX_SLL2, sll2Frame],
    ['raw IP (101)', LINKTYPE.RAW, (ip) => ip],
    ['raw IP (12)', LINKTYPE.RAW_BSD12, (ip) => ip],
    ['raw IP (14)', LINKTYPE.RAW_BSD14, (ip) => ip],
    ['BSD loopback (NULL)', LINKTYPE.NULL, nullFrame],
  ];
  for (const [name, linkType, wrap] of cases) {
    it(`reads ${name}`, async () => {
      expect(streams(await eventsOf(pcapFile(linkType, conv.frames(wrap))))).toEqual(EXPECTED);
    });
  }

  it('reads IPv4 with options and IPv6 with extension headers', async () => {
    const options = Buffer.from([0x94, 0x04, 0x00, 0x00]); // Router Alert (RFC 2113)
    expect(streams(await eventsOf(pcapFile(LINKTYPE.ETHERNET, conv.frames(ethernetFrame, undefined, { ipv4Options: options }))))).toEqual(EXPECTED);
    const v6 = imapConversation({ ip: '2001:db8::23', port: 49153 }, { ip: '2001:db8::10', port: 143 });
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, v6.frames(ethernetFrame, undefined, { ipv6ExtensionHeaders: true })));
    expect(streams(events)).toEqual(EXPECTED);
    expect(events[0]).toMatchObject({ kind: 'conn.open', remote: '[2001:db8::23]:49153', local: '[2001:db8::10]:143' });
  });

  it('reports the bytes of an IP fragment as missing instead of inventing them', async () => {
    const c = imapConversation();
    const login = c.segments.findIndex((s) => s.payload.toString().startsWith('a1 LOGIN'));
    const packets = c.ipPackets();
    // Mark the LOGIN segment's packet as the first fragment of a datagram (MF set).
    packets[login].ip.writeUInt16BE(0x2000, 6);
    const path = join(dir, 'frag.pcap');
    writeFileSync(path, pcapFile(LINKTYPE.RAW, packets.map((p) => ({ timestampMs: p.timestampMs, data: p.ip }))));
    const events: LabEvent[] = [];
    const r = await readCapture(path, (e) => events.push(e));
    expect(r.stats.ipFragments).toBe(1);
    expect(streams(events).c1.c2s).toBe('«gap 23»a2 LOGOUT\r\n');
  });
});

describe('TCP reassembly', () => {
  const read = async (segments: Segment[], conv: TcpConversation) => eventsOf(pcapFile(LINKTYPE.ETHERNET, conv.frames(ethernetFrame, segments)));
  const dataIndex = (conv: TcpConversation, text: string) => conv.segments.findIndex((s) => s.payload.toString().startsWith(text));

  it('drops retransmitted data', async () => {
    const c = imapConversation();
    const i = dataIndex(c, 'a1 LOGIN');
    const segs = [...c.segments.slice(0, i + 1), c.segments[i], ...c.segments.slice(i + 1), c.segments[i]];
    expect(streams(await read(segs, c))).toEqual(EXPECTED);
  });

  it('puts out-of-order segments back in order', async () => {
    const c = new TcpConversation(CLIENT, SERVER).handshake().send('server', '* OK ready\r\n').send('client', 'a1 LOGIN phone secret\r\n', 5).close();
    const segs = [...c.segments];
    const first = segs.findIndex((s) => s.payload.length > 0 && s.from === 'client');
    // The client's five pieces arrive 2, 1, 4, 3, 5.
    [segs[first], segs[first + 1]] = [segs[first + 1], segs[first]];
    [segs[first + 2], segs[first + 3]] = [segs[first + 3], segs[first + 2]];
    expect(streams(await read(segs, c)).c1.c2s).toBe('a1 LOGIN phone secret\r\n');
  });

  it('keeps the first copy of overlapping segments', async () => {
    const c = new TcpConversation(CLIENT, SERVER).handshake().send('server', '* OK ready\r\n').send('client', 'a1 NOOP\r\n').close();
    const i = dataIndex(c, 'a1 NOOP');
    const orig = c.segments[i];
    // A later segment overlaps the first with other bytes, and runs on past it.
    const overlap: Segment = { ...orig, seq: orig.seq + 3, payload: Buffer.from('XXXXXXa2 LOGOUT\r\n'), timestampMs: orig.timestampMs + 1 };
    const segs = [...c.segments.slice(0, i + 1), overlap, ...c.segments.slice(i + 1)].map((x) => ({ ...x }));
    for (const x of segs.slice(i + 2)) {
      if (x.from === 'client') x.seq += 11;
      else x.ack += 11;
    }
    expect(streams(await read(segs, c)).c1.c2s).toBe('a1 NOOP\r\na2 LOGOUT\r\n');
  });

  it('reports a missing segment as a gap of its size (acknowledged by the peer) and the diagnosis invents nothing', async () => {
    const c = imapConversation();
    const i = dataIndex(c, 'a1 OK');
    const segs = c.segments.filter((_, k) => k !== i);
    const events = await read(segs, c);
    expect(streams(events).c1.s2c).toBe('* OK ready\r\n«gap 12»* BYE\r\na2 OK bye\r\n');
    const gap = events.find((e) => e.kind === 'capture.gap')!;
    expect(gap).toMatchObject({ conn: 'c1', direction: 's2c', bytes: 12 });
    // The gap is reported where it was noticed: when the client acknowledged the lost bytes.
    const next = events[events.indexOf(gap) + 1];
    expect(next).toMatchObject({ kind: 'c2s', text: 'a2 LOGOUT\r\n' });
  });

  it('reports a hole that never fills when the connection ends', async () => {
    const c = new TcpConversation(CLIENT, SERVER).handshake().send('server', '* OK ready\r\n').send('client', 'a1 NOOP\r\n').send('client', 'a2 LOGOUT\r\n');
    const i = dataIndex(c, 'a1 NOOP');
    const events = await read(c.segments.filter((_, k) => k !== i), c);
    expect(streams(events).c1.c2s).toBe('«gap 9»a2 LOGOUT\r\n');
    expect(events.at(-1)).toMatchObject({ kind: 'conn.close', reason: 'capture ended' });
  });

  it('bounds what it holds for a hole: past the limit the hole is declared missing', async () => {
    const c = new TcpConversation(CLIENT, SERVER).handshake().send('server', '* OK ready\r\n');
    for (let k = 0; k < MAX_OUT_OF_ORDER_SEGMENTS + 10; k++) c.send('client', `a${k} NOOP\r\n`);
    const first = c.segments.findIndex((s) => s.from === 'client' && s.payload.length > 0);
    // The first data segment is lost and no ACK tells: only the limit ends the wait.
    const segs = c.segments.filter((s, k) => k !== first && !(s.from === 'server' && s.payload.length === 0));
    const events = await read(segs, c);
    const text = streams(events).c1.c2s;
    expect(text.startsWith('«gap 9»a1 NOOP\r\na2 NOOP\r\n')).toBe(true);
    expect(text.endsWith(`a${MAX_OUT_OF_ORDER_SEGMENTS + 9} NOOP\r\n`)).toBe(true);
  });

  it('follows a connection seen mid-stream (no SYN) and a reset', async () => {
    const c = imapConversation();
    const start = dataIndex(c, 'a1 OK');
    const segs = c.segments.slice(start, c.segments.length - 3);
    c.reset('server');
    segs.push(c.segments.at(-1)!);
    const events = await read(segs, c);
    expect(streams(events)).toEqual({ c1: { c2s: 'a2 LOGOUT\r\n', s2c: 'a1 OK done\r\n* BYE\r\na2 OK bye\r\n' } });
    expect(events[0]).toMatchObject({ kind: 'conn.open', remote: '192.168.1.23:49153', port: 143 });
    expect(events.at(-1)).toMatchObject({ kind: 'conn.close', by: 'error', reason: 'server reset the connection' });
  });

  it('follows at most maxOpenConnections at once: the longest idle is closed as the capture left it', () => {
    const events: LabEvent[] = [];
    const b = new CaptureSessionBuilder({ emit: (e) => events.push(e), maxOpenConnections: 10 });
    // 30 connections that greet and never close.
    for (let k = 0; k < 30; k++) {
      const c = new TcpConversation({ ip: '10.0.0.2', port: 40000 + k }, SERVER, Date.parse('2026-11-29T10:00:00Z') + k * 1000).handshake().send('server', '* OK ready\r\n');
      for (const f of c.frames(ethernetFrame)) b.packet({ timestampMs: f.timestampMs, linkType: LINKTYPE.ETHERNET, data: f.data, originalLength: f.data.length, interfaceId: 0 });
    }
    const idleClosed = events.filter((e) => e.kind === 'conn.close' && e.by === 'timeout');
    expect(idleClosed.length).toBeGreaterThanOrEqual(20);
    expect(idleClosed[0]).toMatchObject({ conn: 'c1', reason: 'no traffic while the capture went on' });
    b.end();
    expect(events.filter((e) => e.kind === 'conn.close')).toHaveLength(30);
  });

  it('tells the protocol from the greeting on unusual ports (SMTP, POP3) and connections apart', async () => {
    const smtp = new TcpConversation({ ip: '10.0.0.2', port: 40000 }, { ip: '10.0.0.1', port: 2525 }).handshake().send('server', '220 lab ESMTP\r\n').send('client', 'EHLO x\r\n').close();
    const pop3 = new TcpConversation({ ip: '10.0.0.2', port: 40001 }, { ip: '10.0.0.1', port: 2110 }).handshake().send('server', '+OK POP3 ready\r\n').send('client', 'QUIT\r\n').close();
    const frames = [...smtp.frames(ethernetFrame), ...pop3.frames(ethernetFrame)].sort((a, b) => a.timestampMs - b.timestampMs);
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, frames));
    expect(events.filter((e) => e.kind === 'conn.open').map((e) => e.kind === 'conn.open' && [e.conn, e.proto, e.port])).toEqual([['c1', 'smtp', 2525], ['c2', 'pop3', 2110]]);
  });
});

describe('a capture diagnosed like the live session', () => {
  /** The lab session's c2s/s2c as one TCP connection per conn, at the recorded times, cut into `mss`-byte segments. */
  function captureOf(events: LabEvent[], mss: number): TcpConversation[] {
    const convs = new Map<string, TcpConversation>();
    for (const e of events) {
      if (e.kind === 'conn.open') {
        const [, cport] = e.remote.split(':');
        const c = new TcpConversation({ ip: '192.168.1.23', port: Number(cport) }, { ip: '192.168.1.10', port: e.port }).at(Date.parse(e.t)).handshake();
        convs.set(e.conn, c);
      } else if ((e.kind === 'c2s' || e.kind === 's2c') && convs.has(e.conn)) {
        convs.get(e.conn)!.at(Date.parse(e.t)).send(e.kind === 'c2s' ? 'client' : 'server', decodeBytes(e), mss);
      } else if (e.kind === 'conn.close' && convs.has(e.conn)) {
        convs.get(e.conn)!.at(Date.parse(e.t)).close(e.by === 'server' ? 'server' : 'client');
      }
    }
    return [...convs.values()];
  }

  it('the seed\'s Nokia 6233 (CRAM-MD5) gives the live session\'s findings, even with its segments lost-and-resent and reordered', async () => {
    const live = fixture('nokia6233-cram-md5.jsonl');
    // What a capture of the IMAP port cannot hold: the hand-off page's request (HTTP, another port).
    const expected = ids(diagnose(live.filter((e) => e.kind !== 'http.request')));
    expect(ids(diagnose(live))).toEqual([...expected, 'cert-fetched'].sort());
    for (const mangle of [false, true]) {
      const segs = captureOf(live, 7).flatMap((c) => {
        const s = c.segments.map((x) => ({ x, c }));
        if (!mangle) return s;
        // Every 5th segment arrives after the next one, and every 3rd one twice.
        const out: typeof s = [];
        for (let k = 0; k < s.length; k++) {
          if (k % 5 === 0 && k + 1 < s.length && s[k + 1].x.from === s[k].x.from) {
            out.push(s[k + 1], s[k]);
            k++;
          } else out.push(s[k]);
          if (k % 3 === 0) out.push(s[k]);
        }
        return out;
      });
      const frames = segs.map(({ x, c }) => c.frames(ethernetFrame, [x])[0]);
      const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, frames));
      expect(events.filter((e) => e.kind === 'capture.gap')).toEqual([]);
      const d = diagnose(events);
      expect(ids(d)).toEqual(expected);
      expect(d.attempts[0]).toMatchObject({ mechanism: 'CRAM-MD5', verdict: 'fail' });
    }
  });

  it('a lost server response makes the attempt unreadable, not a phone fault', async () => {
    const live = fixture('nokia6233-cram-md5.jsonl');
    const [c] = captureOf(live, 1400);
    const i = c.segments.findIndex((s) => s.payload.toString().startsWith('A0 OK'));
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, c.frames(ethernetFrame, c.segments.filter((_, k) => k !== i))));
    expect(events.some((e) => e.kind === 'capture.gap' && e.direction === 's2c')).toBe(true);
    // Without the server's answer nobody can say the phone ignored its success.
    expect(ids(diagnose(events))).not.toContain('auth-success-ignored');
  });
});

describe('TLS in a capture', () => {
  const profiles = loadProfiles(defaultProfilesDir());

  it('names the device from its ClientHello (JA3/JA4 of the lab\'s Nokia 6233 profile)', async () => {
    const c = new TcpConversation(CLIENT, { ip: SERVER.ip, port: 993 }).handshake().send('client', buildClientHello(NOKIA_SUITES.map(([v]) => v))).close();
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, c.frames(ethernetFrame)), { profiles });
    const dev = events.find((e) => e.kind === 'device');
    expect(dev).toMatchObject({ kind: 'device', device: { vendor: 'Nokia', model: '6233', platform: 'Series 40 3rd Edition', source: 'tls.hello' }, fields: { match: 'ClientHello matches Nokia 6233 (Series 40 3rd Edition)' } });
    const d = diagnose(events, { profiles });
    expect(d.device).toMatchObject({ model: '6233', source: 'tls.hello' });
    // A modern client's hello is not taken for the phone.
    const modern = Buffer.from(buildClientHello([0x1301, 0x1302, 0xc02f]));
    const m = new TcpConversation(CLIENT, { ip: SERVER.ip, port: 993 }).handshake().send('client', modern).close();
    expect((await eventsOf(pcapFile(LINKTYPE.ETHERNET, m.frames(ethernetFrame)), { profiles })).some((e) => e.kind === 'device')).toBe(false);
  });

  it('names the device from its IMAP ID command, which outranks the ClientHello', async () => {
    const c = new TcpConversation(CLIENT, SERVER).handshake()
      .send('server', '* OK ready\r\n')
      .send('client', 'a1 ID ("name" "Nokia6233" "version" "05.10" "vendor" "Nokia" "os" NIL "user-agent" "Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1")\r\n')
      .send('server', '* ID NIL\r\na1 OK done\r\n')
      .close();
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, c.frames(ethernetFrame)), { profiles });
    expect(events.filter((e) => e.kind === 'device')).toEqual([expect.objectContaining({ conn: 'c1', device: expect.objectContaining({ vendor: 'Nokia', model: '6233', firmware: '05.10', source: 'imap.id' }) })]);
    expect(diagnose(events, { profiles }).device).toMatchObject({ model: '6233', firmware: '05.10', source: 'imap.id' });
  });

  it('hands the decryptor the TLS bytes from the first one after STARTTLS, and records its plaintext as tls events', async () => {
    const hello = buildClientHello();
    const serverFlight = Buffer.from([0x16, 3, 1, 0, 4, 14, 0, 0, 0]); // a ServerHelloDone record
    const appData = Buffer.from([0x17, 3, 1, 0, 3, 1, 2, 3]);
    const c = new TcpConversation(CLIENT, SERVER).handshake()
      .send('server', '* OK ready\r\n').send('client', 'a1 STARTTLS\r\n').send('server', 'a1 OK begin TLS\r\n')
      .send('client', hello).send('server', serverFlight).send('client', appData).close();
    const pushed: Array<[string, string]> = [];
    const fake: TlsConnectionDecryptor = {
      push: (direction, bytes, timestampMs) => {
        pushed.push([direction, bytes.toString('hex')]);
        if (direction === 'c2s' && bytes[0] === 0x17) return [{ kind: 'status', state: 'decrypting', detail: 'test' }, { kind: 'plaintext', direction: 'c2s', bytes: Buffer.from('a2 CAPABILITY\r\n'), timestampMs }];
        return [];
      },
      gap: () => [],
    };
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, c.frames(ethernetFrame)), { decryptorFactory: () => fake });
    expect(pushed).toEqual([['c2s', hello.toString('hex')], ['s2c', serverFlight.toString('hex')], ['c2s', appData.toString('hex')]]);
    expect(events.filter((e) => e.kind === 'c2s' && e.tls)).toEqual([expect.objectContaining({ text: 'a2 CAPABILITY\r\n', tls: true })]);
    expect(events.find((e) => e.kind === 'tls.hello')).toMatchObject({ maxVersion: 'TLSv1' });
  });

  it('implicit TLS on an unusual port: the decrypted greeting tells the protocol (POP3 here)', async () => {
    const ccs = Buffer.from([0x14, 3, 1, 0, 1, 1]);
    const c = new TcpConversation(CLIENT, { ip: SERVER.ip, port: 2995 }).handshake()
      .send('client', Buffer.concat([buildClientHello(), ccs])).send('server', Buffer.concat([ccs, Buffer.from([0x17, 3, 1, 0, 2, 9, 9])])).close();
    const fake: TlsConnectionDecryptor = {
      push: (direction, _bytes, timestampMs) => (direction === 's2c' ? [{ kind: 'status', state: 'decrypting', detail: 'test' }, { kind: 'plaintext', direction, bytes: Buffer.from('+OK POP3 ready\r\n'), timestampMs }] : []),
      gap: () => [],
    };
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, c.frames(ethernetFrame)), { decryptorFactory: () => fake });
    expect(events[0]).toMatchObject({ kind: 'conn.open', proto: 'pop3s', port: 2995 });
    expect(events.map((e) => e.kind)).toEqual(['conn.open', 'tls.hello', 'tls.established', 's2c', 'conn.close']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds the other connections\' events in order while one waits for its greeting, at most MAX_PENDING_EVENTS', async () => {
    const silent: TlsConnectionDecryptor = { push: () => [], gap: () => [] };
    const tls = new TcpConversation(CLIENT, { ip: SERVER.ip, port: 2993 }).handshake().send('client', buildClientHello());
    const plain = new TcpConversation({ ip: '10.0.0.9', port: 40000 }, SERVER, tls.segments.at(-1)!.timestampMs + 10).handshake().send('server', '* OK ready\r\n');
    for (let k = 0; k < MAX_PENDING_EVENTS; k++) plain.send('client', `a${k} NOOP\r\n`);
    const frames = [...tls.frames(ethernetFrame), ...plain.frames(ethernetFrame)];
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, frames), { decryptorFactory: () => silent });
    // The queue filled up: the TLS connection took the guess (imaps) and everything came out in capture order.
    expect(events[0]).toMatchObject({ kind: 'conn.open', conn: 'c1', proto: 'imaps', port: 2993 });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const times = events.map((e) => Date.parse(e.t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.filter((e) => e.kind === 'c2s' && e.conn === 'c2')).toHaveLength(MAX_PENDING_EVENTS);
  });

  it('without secrets says so once and keeps the size of what it cannot read', async () => {
    const c = new TcpConversation(CLIENT, { ip: SERVER.ip, port: 993 }).handshake().send('client', buildClientHello()).close();
    const events = await eventsOf(pcapFile(LINKTYPE.ETHERNET, c.frames(ethernetFrame)), {
      decryptorFactory: () => ({ push: () => [{ kind: 'status', state: 'no-secret', detail: 'no key for this session' }], gap: () => [] }),
    });
    expect(events.filter((e) => e.kind === 'note')).toEqual([expect.objectContaining({ text: 'TLS of c1 not decrypted (no-secret): no key for this session' })]);
  });
});
