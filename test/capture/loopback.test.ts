/**
 * Real captures: dumpcap on loopback (Ethernet frames, pcapng) and on "any" (Linux cooked, pcap)
 * while the simulated phones and real clients (curl over IMAP STARTTLS and SMTP) talk to the
 * lab. The capture's diagnosis is compared with the live session's, and the reassembled
 * streams with tshark's own (`-z follow,tcp,raw`), the reference reader.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api.js';
import { readCapture, readKeyLogFile, type CaptureSecrets } from '../../electron/lab/capture/reader/index.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { decodeBytes } from '../../electron/lab/recorder/bytes.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { defaultProfilesDir } from '../../electron/lab/package-root.js';
import { loadProfiles } from '../../electron/lab/profiles/index.js';
import { gnutlsAvailable, runScenario } from '../../electron/lab/simulate/index.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { writePcapngFile } from '../../electron/lab/capture/export/index.js';
import { dumpcapUsable, startLoopbackCapture } from '../support/loopback-capture.js';
import { startTestLab, tempDir, testCertificates } from '../support/lab.js';
import { runPeer } from '../support/run.js';

const canCapture = dumpcapUsable();
const profiles = loadProfiles(defaultProfilesDir());

let lab: StartedLab;
let live: LabEvent[] = [];
const dir = tempDir('mp-loopcap-');
const files = { lo: join(dir, 'lo.pcapng'), any: join(dir, 'any.pcap'), curlKeys: join(dir, 'curl-keys.log') };

/** The simulated phones run, in order (the TLS one with the lab CA needs gnutls-cli). */
const SCENARIO_IDS = ['nokia6233-cram-md5', 'nokia6233-ssl-no-ca', 'nokia6233-smtp-cram-md5', 'series40-pop3-download-all', 'series60-pop3-stls-leave-on-server'];

beforeAll(async () => {
  if (!canCapture) return;
  lab = await startTestLab({ smtpPort: 0, smtpsPort: 0, pop3Port: 0, pop3sPort: 0 });
  const L = lab.listeners;
  const ports = [L.imap!.port, L.imaps!.port, L.smtp!.port, L.smtps!.port, L.pop3!.port, L.pop3s!.port];
  const caps = [await startLoopbackCapture(files.lo, ports, { iface: 'lo' })];
  try {
    caps.push(await startLoopbackCapture(files.any, ports, { iface: 'any', format: 'pcap' }));
    for (const id of SCENARIO_IDS) {
      const port = id.includes('smtp') ? L.smtp!.port : id.includes('pop3') ? L.pop3!.port : id.includes('ssl') ? L.imaps!.port : L.imap!.port;
      await runScenario(id, { host: '127.0.0.1', port, user: lab.account.user, password: lab.account.password, pauseMs: 50 });
    }
    if (gnutlsAvailable()) await runScenario('nokia6233-ssl-ca-no-command', { host: '127.0.0.1', port: L.imaps!.port, user: lab.account.user, password: lab.account.password });
    // A real, modern client: curl over STARTTLS (TLS 1.3), then over plain IMAP with a real download.
    const auth = ['--user', `${lab.account.user}:${lab.account.password}`];
    // curl logs its TLS secrets where SSLKEYLOGFILE says (NSS key log format).
    await runPeer('curl', ['-s', '-k', '--ssl-reqd', ...auth, `imap://127.0.0.1:${L.imap!.port}/INBOX;UID=1`], { timeoutMs: 15_000, env: { ...process.env, SSLKEYLOGFILE: files.curlKeys } });
    await runPeer('curl', ['-s', ...auth, `imap://127.0.0.1:${L.imap!.port}/INBOX;UID=1`], { timeoutMs: 15_000 });
  } finally {
    await Promise.all(caps.map((c) => c.stop()));
  }
  await lab.stop();
  live = readEvents(lab.sessionDir);
}, 120_000);

afterAll(async () => {
  await lab?.stop();
});

async function captureEvents(file: string, secrets: Partial<CaptureSecrets> = {}): Promise<{ events: LabEvent[]; stats: Awaited<ReturnType<typeof readCapture>>['stats'] }> {
  const events: LabEvent[] = [];
  const r = await readCapture(file, (e) => events.push(e), { profiles, ...secrets });
  return { events, stats: r.stats };
}

/** What a technician reads: per attempt its protocol, security, verdict and steps; the findings. */
function summary(d: Diagnosis) {
  return {
    verdict: d.verdict,
    findings: d.findings.map((f) => f.id).sort(),
    attempts: d.attempts.map((a) => ({ security: a.security, verdict: a.verdict, steps: a.steps.map((s) => `${s.step}:${s.result}`) })),
  };
}

/** Connections whose TLS the reader could not decrypt (its notes say so). */
function undecrypted(events: LabEvent[]): Set<string> {
  return new Set(events.flatMap((e) => (e.kind === 'note' && e.data?.decrypt && e.data.decrypt !== 'decrypting' ? [String(e.data.conn)] : [])));
}

/**
 * Both diagnoses, with the attempts that undecrypted TLS hid compared up to their TLS step only.
 * The attempts are in the same order on both sides; the capture's connection ids say which are hidden.
 */
function readable(fromCapture: Diagnosis, fromLab: Diagnosis, hidden: Set<string>) {
  const hiddenAt = new Set(fromCapture.attempts.flatMap((a, i) => (hidden.has(a.conn) ? [i] : [])));
  const view = (d: Diagnosis) => ({ ...summary(d), attempts: d.attempts.map((a, i) => (hiddenAt.has(i) ? { security: a.security, tls: a.steps.find((s) => s.step === 'tls')!.result } : summary({ ...d, attempts: [a] }).attempts[0])) });
  return [view(fromCapture), view(fromLab)];
}

describe.skipIf(!canCapture)('captures made on loopback while clients talk to the lab', () => {
  it('the capture (Ethernet on lo, pcapng) gives the live session\'s diagnosis', async () => {
    const { events, stats } = await captureEvents(files.lo);
    expect(stats.gapBytes).toBe(0);
    // The capture carries no lab.start: the lab's network is said on the command line (--network trusted).
    const fromCapture = diagnose(events, { network: 'trusted', profiles });
    const fromLab = diagnose(live, { profiles });
    expect(undecrypted(events).size).toBeGreaterThan(0);
    const [capture, lab] = readable(fromCapture, fromLab, undecrypted(events));
    expect(capture).toEqual(lab);
    expect(fromCapture.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['auth-success-ignored', 'empty-line-after-auth', 'tls-handshake-failed']));
    // No HTTP hand-off in the capture: the phone is named by its ClientHello.
    expect(fromCapture.device).toMatchObject({ vendor: 'Nokia', model: '6233', source: 'tls.hello' });
  });

  it('with curl\'s key log and the lab\'s RSA key the TLS sessions decrypt, and the whole diagnosis is the live one', async () => {
    expect(existsSync(files.curlKeys)).toBe(true);
    const keyLog = readKeyLogFile(files.curlKeys);
    expect(keyLog.length).toBeGreaterThan(0);
    const serverKeys = [createPrivateKey((await testCertificates()).serverKeyPem)];
    const { events, stats } = await captureEvents(files.lo, { keyLog, serverKeys });
    // Only the POP3 phone's STLS stays dark: node:tls at TLS 1.3 with no key log (a server key cannot open TLS 1.3).
    const dark = undecrypted(events);
    const protoOf = new Map(events.flatMap((e) => (e.kind === 'conn.open' ? [[e.conn, e.proto] as const] : [])));
    expect([...dark].map((c) => protoOf.get(c))).toEqual(['pop3']);
    expect(stats.decryptedConnections).toBeGreaterThanOrEqual(1);
    // curl's STARTTLS session decrypted with its key log: its commands and the message, as the lab recorded them.
    const curlConn = events.find((e) => e.kind === 'tls.established' && protoOf.get(e.conn) === 'imap')!.conn!;
    const inside = (evs: LabEvent[], conn: string) => evs.filter((e) => (e.kind === 'c2s' || e.kind === 's2c') && e.conn === conn && e.tls).map((e) => decodeBytes(e as LabEvent & { kind: 'c2s' }).toString('latin1')).join('');
    const liveConn = live.filter((e) => e.kind === 'tls.established' && e.mode === 'starttls').map((e) => (e as { conn: string }).conn).find((c) => /UID FETCH 1|FETCH 1/i.test(inside(live, c)))!;
    expect(inside(events, curlConn)).toMatch(/FETCH 1/i);
    expect(inside(events, curlConn)).toBe(inside(live, liveConn));
    const [capture, lab] = readable(diagnose(events, { network: 'trusted', profiles }), diagnose(live, { profiles }), dark);
    expect(capture).toEqual(lab);
  });

  it('with the lab\'s own key log (tls.keylog events) every TLS session decrypts, and the whole diagnosis is the live one', async () => {
    const keyLog = live.flatMap((e) => (e.kind === 'tls.keylog' ? [e.line] : []));
    expect(keyLog.length).toBeGreaterThan(0);
    const { events } = await captureEvents(files.lo, { keyLog });
    expect(undecrypted(events)).toEqual(new Set());
    expect(summary(diagnose(events, { network: 'trusted', profiles }))).toEqual(summary(diagnose(live, { profiles })));
  });

  it('the lab\'s own pcapng export of the session (keys embedded) reads back to the same diagnosis', async () => {
    const out = join(dir, 'export.pcapng');
    writePcapngFile(lab.sessionDir, out, { includeSecrets: true });
    const events: LabEvent[] = [];
    const r = await readCapture(out, (e) => events.push(e), { profiles });
    expect(r.embeddedKeyLogLines).toBeGreaterThan(0);
    expect(r.stats.gapBytes).toBe(0);
    expect(undecrypted(events)).toEqual(new Set());
    expect(summary(diagnose(events, { network: 'trusted', profiles }))).toEqual(summary(diagnose(live, { profiles })));
  });

  it('the same traffic captured on "any" (Linux cooked, pcap) reads the same', async () => {
    const lo = await captureEvents(files.lo);
    const any = await captureEvents(files.any);
    const strip = (evs: LabEvent[]) => evs.map(({ seq: _s, t: _t, ...rest }) => rest);
    expect(strip(any.events)).toEqual(strip(lo.events));
  });

  it('reassembles every plaintext connection byte for byte as tshark does', async () => {
    const { events } = await captureEvents(files.lo);
    const mine = new Map<string, { c2s: Buffer[]; s2c: Buffer[]; tls: boolean }>();
    for (const e of events) {
      if (e.kind === 'conn.open') mine.set(e.conn, { c2s: [], s2c: [], tls: false });
      if (e.kind === 'tls.hello') mine.get(e.conn)!.tls = true;
      if ((e.kind === 'c2s' || e.kind === 's2c') && !e.tls) mine.get(e.conn)![e.kind].push(decodeBytes(e));
    }
    let compared = 0;
    for (const [conn, s] of mine) {
      if (s.tls) continue;
      const stream = Number(conn.slice(1)) - 1;
      const r = spawnSync('tshark', ['-r', files.lo, '-q', '-z', `follow,tcp,raw,${stream}`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const theirs = { c2s: '', s2c: '' };
      for (const line of r.stdout.split('\n')) {
        if (!/^\t?[0-9a-f]+$/.test(line)) continue;
        // tshark indents the second node's data (here the server, which did not open the connection) with a tab.
        if (line.startsWith('\t')) theirs.s2c += line.slice(1);
        else theirs.c2s += line;
      }
      expect(Buffer.concat(s.c2s).toString('hex'), `${conn} c2s`).toBe(theirs.c2s);
      expect(Buffer.concat(s.s2c).toString('hex'), `${conn} s2c`).toBe(theirs.s2c);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});
