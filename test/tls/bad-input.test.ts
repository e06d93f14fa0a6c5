/**
 * Hostile and broken input on the TLS port: each case ends in an alert or a clean close, a
 * recorded event, bounded memory, and a lab that goes on serving the next phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputRejectedEvent, LabEvent, TlsFailedEvent, TlsHelloEvent } from '../../electron/api.js';
import { HANDSHAKE_TIMEOUT_MS, MAX_HANDSHAKE_BYTES, MAX_RENEGOTIATION_ATTEMPTS } from '../../electron/lab/tls/index.js';
import { ext, helloRecords, ssl2Hello } from './hello-builder.js';
import { alerts, bitFlipProxy, failedFor, GREETING, gnutlsPriority, gnutlsSession, raw, runInteractive, startHarness, testPki, waitForEvent, type Harness } from './harness.js';

const rc4Hello = helloRecords({ version: 0x0301, suites: [0x0004, 0x0005], extensions: [ext.reneg()] });

describe('bad input on the TLS port', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'auto', handshakeTimeoutMs: 500, maxHandshakeBytes: 4096 });
  });
  afterAll(async () => {
    // Whatever came before, the next phone still gets served.
    const r = await gnutlsSession(h.port, gnutlsPriority('VERS-TLS1.0', '+ARCFOUR-128:+MD5'), false);
    expect(r.stdout).toContain('a1 OK echo');
    await h.close();
  });

  it('names its limits as constants', () => {
    expect(HANDSHAKE_TIMEOUT_MS).toBe(30_000);
    expect(MAX_HANDSHAKE_BYTES).toBe(64 * 1024);
    expect(MAX_RENEGOTIATION_ATTEMPTS).toBe(3);
  });

  it('a truncated ClientHello followed by a close is recorded as client-closed', async () => {
    const n = h.events().length;
    await raw(h.port, [rc4Hello.subarray(0, 30)], 2000, true);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'client-closed' });
  });

  it('a truncated ClientHello followed by silence times out and the lab closes the socket', async () => {
    const n = h.events().length;
    const started = Date.now();
    const r = await raw(h.port, [rc4Hello.subarray(0, 30)], 3000);
    expect(r.closedByServer).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000); // the 500 ms test deadline, not the 30 s default
    expect(await failedFor(h, n)).toMatchObject({ reason: 'timeout' });
  });

  it('a client that stalls after its hello times out in either engine', async () => {
    const n = h.events().length;
    const hello12 = helloRecords({ version: 0x0303, suites: [0x009c, 0x002f], extensions: [ext.sigAlgs([0x0401, 0x0804]), ext.reneg()] });
    const [legacy, modern] = await Promise.all([raw(h.port, [rc4Hello], 3000), raw(h.port, [hello12], 3000)]);
    expect(legacy.data[0]).toBe(22); // the server flight went out, then nothing came back
    expect(modern.data[0]).toBe(22);
    expect(legacy.closedByServer && modern.closedByServer).toBe(true);
    const old = new Set(h.events().slice(0, n).map((e) => e.conn));
    const timeouts = (): LabEvent[] => h.events().slice(n).filter((e) => e.kind === 'tls.failed' && !old.has(e.conn) && e.reason === 'timeout');
    await waitForEvent({ events: () => (timeouts().length >= 2 ? timeouts() : []) }, () => true);
    expect(timeouts()).toHaveLength(2);
  });

  it('a record-length bomb gets record_overflow at once', async () => {
    const n = h.events().length;
    const r = await raw(h.port, [Buffer.from([22, 3, 1, 0xff, 0xff, 1, 0, 0xff])]);
    expect(r.closedByServer).toBe(true);
    expect(alerts(r.data)).toEqual([22]);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'malformed', alert: 'record_overflow', alertFrom: 'server' });
  });

  it('an oversized ClientHello is refused before it is buffered whole', async () => {
    const n = h.events().length;
    const big = helloRecords({ version: 0x0301, suites: [4], extensions: [ext.padding(20_000)] });
    const r = await raw(h.port, [big.subarray(0, 9)]);
    expect(r.closedByServer).toBe(true);
    expect(alerts(r.data)).toEqual([47]);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'malformed', alert: 'illegal_parameter' });
  });

  it('plaintext IMAP on the TLS port is recorded and closed without an answer', async () => {
    const n = h.events().length;
    const r = await raw(h.port, [Buffer.from('a1 CAPABILITY\r\n')]);
    expect(r.closedByServer).toBe(true);
    expect(r.data.length).toBe(0);
    const f = (await failedFor(h, n)) as TlsFailedEvent;
    expect(f.reason).toBe('malformed');
    expect(f.description).toMatch(/not a TLS handshake/);
  });

  it('an SSLv2-format hello is read, recorded, and answered by the legacy engine with a ServerHello', async () => {
    const n = h.events().length;
    const r = await raw(h.port, [ssl2Hello(0x0301, [0x010080, 0x000004, 0x00000a, 0x0000ff])], 3000, false, (d) => d.length >= 11);
    expect(r.data[0]).toBe(22); // handshake record
    expect(r.data[5]).toBe(2); // ServerHello
    expect(r.data.readUInt16BE(9)).toBe(0x0301);
    const hello = (await waitForEvent({ events: () => h.events().slice(n) }, (e) => e.kind === 'tls.hello')) as TlsHelloEvent;
    expect(hello.format).toBe('sslv2');
    expect(hello.cipherSuites).toContain('SSL_CK_RC4_128_WITH_MD5');
    expect(await failedFor(h, n)).toMatchObject({ reason: 'client-closed' });
  });

  it('garbage after the hello gets unexpected_message from the legacy engine', async () => {
    const n = h.events().length;
    const r = await raw(h.port, [rc4Hello, Buffer.from('GARBAGE GARBAGE GARBAGE')]);
    expect(r.closedByServer).toBe(true);
    expect(alerts(r.data)).toContain(10);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'malformed', alert: 'unexpected_message' });
  });

  it('garbage after a TLS 1.2 hello is refused by OpenSSL and recorded', async () => {
    const n = h.events().length;
    const hello12 = helloRecords({ version: 0x0303, suites: [0x009c, 0x002f], extensions: [ext.sigAlgs([0x0401, 0x0804]), ext.reneg()] });
    const r = await raw(h.port, [hello12, Buffer.from('\x17\x03\x03\x00\x05hello GARBAGE')]);
    expect(r.closedByServer).toBe(true);
    const f = (await failedFor(h, n)) as TlsFailedEvent;
    expect(f.reason).toBe('malformed');
  });

  it('a flood of warning alerts during the handshake hits the byte budget', async () => {
    const n = h.events().length;
    const flood = Buffer.concat(Array.from({ length: 800 }, () => Buffer.from([21, 3, 1, 0, 2, 1, 90])));
    const r = await raw(h.port, [rc4Hello, flood]);
    expect(r.closedByServer).toBe(true);
    const f = (await failedFor(h, n)) as TlsFailedEvent;
    expect(f.description).toMatch(/exceeded 4096 bytes/);
  });

  it('a downgrade retry with TLS_FALLBACK_SCSV gets inappropriate_fallback', async () => {
    const n = h.events().length;
    const r = await raw(h.port, [helloRecords({ version: 0x0301, suites: [0x0004, 0x5600] })]);
    expect(alerts(r.data)).toEqual([86]);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'protocol-version', alert: 'inappropriate_fallback' });
  });

  it('an SSL 3.0 hello is refused with protocol-version', async () => {
    const n = h.events().length;
    const r = await raw(h.port, [helloRecords({ recordVersion: 0x0300, version: 0x0300, suites: [0x0004, 0x000a] })]);
    expect(r.closedByServer).toBe(true);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'protocol-version' });
  });
});

describe('tampered records and renegotiation on the legacy engine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'legacy' });
  });
  afterAll(() => h.close());

  it('a wrong MAC on the client Finished fails the handshake with bad_record_mac', async () => {
    const p = await bitFlipProxy(h.port, 22);
    const n = h.events().length;
    const r = await runInteractive('gnutls-cli', ['--insecure', '-p', String(p.port), '--priority', gnutlsPriority('VERS-TLS1.0', '+AES-128-CBC:+SHA1'), 'localhost'], [{ waitFor: /$^/ }], 5000);
    p.server.close();
    expect(r.stdout + r.stderr).toMatch(/Received alert \[20\]: Bad record MAC/);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'malformed', alert: 'bad_record_mac', alertFrom: 'server' });
  });

  it('a wrong MAC on application data closes the session with bad_record_mac and is recorded', async () => {
    const p = await bitFlipProxy(h.port, 23);
    const n = h.events().length;
    const r = await runInteractive('gnutls-cli', ['--insecure', '-p', String(p.port), '--priority', gnutlsPriority('VERS-TLS1.1', '+ARCFOUR-128:+SHA1'), 'localhost'], [{ waitFor: GREETING, send: 'a1 NOOP\r\n' }, { waitFor: /$^/ }], 5000);
    p.server.close();
    expect(r.stdout).not.toContain('a1 OK');
    const failed = await waitForEvent({ events: () => h.events().slice(n) }, (e) => e.kind === 'tls.failed');
    expect(failed).toMatchObject({ afterHandshake: true, reason: 'malformed', alert: 'bad_record_mac', alertFrom: 'server' });
  });
});

describe('renegotiation on the legacy engine (STARTTLS, so nothing but the refusal is in flight)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('starttls', { engine: 'legacy' });
  });
  afterAll(() => h.close());

  it('client renegotiation gets no_renegotiation warnings, each recorded, and the connection is closed after MAX_RENEGOTIATION_ATTEMPTS', async () => {
    const pki = testPki();
    const n = h.events().length;
    // gnutls-cli --rehandshake retries after each warning, which is what an attacker would do.
    const r = await runInteractive('gnutls-cli', ['--x509cafile', pki.caFile, '--rehandshake', '--starttls-proto=imap', '-p', String(h.port), '--priority', gnutlsPriority('VERS-TLS1.0', '+3DES-CBC:+SHA1'), 'localhost'], [{ waitFor: /$^/ }], 5000);
    expect(r.stdout + r.stderr).toMatch(/Received alert \[100\]/);
    const rejected = () => h.events().slice(n).filter((e): e is InputRejectedEvent => e.kind === 'input.rejected');
    const closed = await waitForEvent({ events: () => h.events().slice(n) }, (e) => e.kind === 'tls.failed');
    expect(rejected().filter((e) => e.what === 'tls-renegotiation')).toHaveLength(MAX_RENEGOTIATION_ATTEMPTS + 1);
    expect(closed).toMatchObject({ afterHandshake: true, alert: 'no_renegotiation', alertFrom: 'server' });
  });
});

describe('fatal errors and renegotiation on the modern engine (OpenSSL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'modern' });
  });
  afterAll(() => h.close());

  it('a wrong MAC on application data closes the connection at once and records tls.failed with bad_record_mac', async () => {
    const p = await bitFlipProxy(h.port, 23);
    const n = h.events().length;
    const started = Date.now();
    const r = await runInteractive('gnutls-cli', ['--insecure', '-p', String(p.port), '--priority', gnutlsPriority('VERS-TLS1.2', '+AES-128-CBC:+SHA1:+SIGN-ALL'), 'localhost'], [{ waitFor: GREETING, send: 'a1 NOOP\r\n' }, { waitFor: /$^/ }], 10_000);
    p.server.close();
    // gnutls-cli exits when the lab closes; before, the connection stayed open until a timeout.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.stdout).not.toContain('a1 OK');
    expect(r.stdout + r.stderr).toMatch(/Bad record MAC|alert/i);
    const failed = await waitForEvent({ events: () => h.events().slice(n) }, (e) => e.kind === 'tls.failed');
    expect(failed).toMatchObject({ afterHandshake: true, reason: 'malformed', alert: 'bad_record_mac', alertFrom: 'server' });
    expect(h.events().slice(n).some((e) => e.kind === 'tls.established')).toBe(true);
  });
});

describe('renegotiation on the modern engine (STARTTLS, so nothing but the refusal is in flight)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('starttls', { engine: 'modern' });
  });
  afterAll(() => h.close());

  it('client renegotiation gets no_renegotiation warnings from OpenSSL, each attempt is recorded, and the connection closes after MAX_RENEGOTIATION_ATTEMPTS', async () => {
    const pki = testPki();
    const n = h.events().length;
    const r = await runInteractive('gnutls-cli', ['--x509cafile', pki.caFile, '--rehandshake', '--starttls-proto=imap', '-p', String(h.port), '--priority', gnutlsPriority('VERS-TLS1.2', '+AES-128-CBC:+SHA1:+SIGN-ALL'), 'localhost'], [{ waitFor: /$^/ }], 8000);
    expect(r.stdout + r.stderr).toMatch(/Received alert \[100\]/);
    const rejected = () => h.events().slice(n).filter((e): e is InputRejectedEvent => e.kind === 'input.rejected' && e.what === 'tls-renegotiation');
    const closed = await waitForEvent({ events: () => h.events().slice(n) }, (e) => e.kind === 'tls.failed');
    expect(rejected()).toHaveLength(MAX_RENEGOTIATION_ATTEMPTS + 1);
    expect(rejected()[0].detail).toMatch(/no_renegotiation warning \(attempt 1\)/);
    expect(closed).toMatchObject({ afterHandshake: true });
  });

  it('openssl s_client renegotiating once is refused and recorded; the client then gives up with its own alert', async () => {
    const pki = testPki();
    const n = h.events().length;
    const r = await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${h.port}`, '-starttls', 'imap', '-tls1_2', '-CAfile', pki.caFile], [{ waitFor: /Verify return code/, send: 'R\n' }, { waitFor: /no renegotiation/ }], 8000);
    expect(r.stdout + r.stderr).toMatch(/RENEGOTIATING[\s\S]*no renegotiation/);
    await waitForEvent({ events: () => h.events().slice(n) }, (e) => e.kind === 'input.rejected' && e.what === 'tls-renegotiation');
    const ended = await waitForEvent({ events: () => h.events().slice(n) }, (e) => e.kind === 'tls.failed');
    expect(ended).toMatchObject({ afterHandshake: true, reason: 'client-closed', alert: 'handshake_failure', alertFrom: 'client' });
  });
});
