import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { helloEvent, ja3String, ja4, MAX_CLIENT_HELLO_BYTES, parseClientHello, type ParsedClientHello } from '../../electron/lab/tls/hello.js';
import { ext, helloMessage, helloRecords, ssl2Hello } from './hello-builder.js';

function ok(buf: Buffer): ParsedClientHello {
  const r = parseClientHello(buf);
  if (r.status !== 'ok') throw new Error(`expected a hello, got ${JSON.stringify(r)}`);
  return r.hello;
}

// What a Nokia Series 40 / Symbian phone of 2006 offers (QUIRKS.md, device facts): TLS 1.0,
// AES256-SHA, AES128-SHA, DES-CBC3-SHA, RC4-SHA, RC4-MD5, no extensions.
const nokia = { version: 0x0301, suites: [0x0035, 0x002f, 0x000a, 0x0005, 0x0004] };

describe('ClientHello reader: record format', () => {
  it('names every suite a 2006 phone offers, with no extensions block at all', () => {
    const ev = helloEvent('c1', ok(helloRecords(nokia)));
    expect(ev).toMatchObject({
      kind: 'tls.hello',
      conn: 'c1',
      format: 'record',
      recordVersion: 'TLSv1',
      clientVersion: 'TLSv1',
      maxVersion: 'TLSv1',
      cipherSuites: ['TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_RC4_128_MD5'],
      compression: [0],
      extensions: [],
    });
    expect(ev.ja3).toBe('769,53-47-10-5-4,,,');
    expect(ev.ja4).toBe('t10i050000_' + ev.ja4!.split('_')[1] + '_000000000000');
  });

  it('labels GREASE and the signalling suites, and reads SNI, versions, groups and signature algorithms', () => {
    const h = ok(
      helloRecords({
        version: 0x0303,
        suites: [0x2a2a, 0x1301, 0xc02f, 0x00ff, 0x5600, 0x9999],
        extensions: [
          ext.raw(0x0a0a),
          ext.sni('mail.example.org'),
          ext.supportedVersions([0x3a3a, 0x0304, 0x0303]),
          ext.sigAlgs([0x0403, 0x0804, 0x0201]),
          ext.groups([0x4a4a, 29, 23, 0x11ec]),
          ext.pointFormats([0]),
          ext.alpn(['imap']),
          ext.reneg(),
          ext.raw(0x7777),
        ],
      }),
    );
    const ev = helloEvent('c2', h);
    expect(ev.cipherSuites).toEqual(['GREASE', 'TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV', 'TLS_FALLBACK_SCSV', '0x9999']);
    expect(ev.extensions).toEqual(['GREASE', 'server_name', 'supported_versions', 'signature_algorithms', 'supported_groups', 'ec_point_formats', 'application_layer_protocol_negotiation', 'renegotiation_info', '0x7777']);
    expect(ev.sni).toBe('mail.example.org');
    expect(ev.supportedVersions).toEqual(['GREASE', 'TLSv1.3', 'TLSv1.2']);
    expect(ev.clientVersion).toBe('TLSv1.2');
    expect(ev.maxVersion).toBe('TLSv1.3');
    expect(ev.signatureAlgorithms).toEqual(['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'rsa_pkcs1_sha1']);
    expect(ev.groups).toEqual(['GREASE', 'x25519', 'secp256r1', 'X25519MLKEM768']);
    expect(h.secureRenegotiation).toBe(true);
    // JA3 drops GREASE; JA4 counts real suites/extensions and takes ALPN's first and last letter.
    expect(ja3String(h)).toBe('771,4865-49199-255-22016-39321,0-43-13-10-11-16-65281-30583,29-23-4588,0');
    expect(ja4(h)).toMatch(/^t13d0508ip_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });

  it('computes JA4 hashes over sorted hex values, SNI and ALPN left out of the extension hash', async () => {
    const { createHash } = await import('node:crypto');
    const h = ok(helloRecords({ version: 0x0303, suites: [0xc02f, 0x002f], extensions: [ext.sni('a'), ext.alpn(['h2']), ext.sigAlgs([0x0804, 0x0401]), ext.raw(23)] }));
    const c = createHash('sha256').update('002f,c02f').digest('hex').slice(0, 12);
    const e = createHash('sha256').update('000d,0017_0804,0401').digest('hex').slice(0, 12);
    expect(ja4(h)).toBe(`t12d0204h2_${c}_${e}`);
  });

  it('reassembles a ClientHello split over several records and reports what it consumed', () => {
    const spec = { ...nokia, extensions: [ext.sni('phone.lan'), ext.padding(600)] };
    const whole = helloRecords(spec, 100);
    const h = ok(Buffer.concat([whole, Buffer.from('trailing')]));
    expect(h.sni).toBe('phone.lan');
    expect(h.consumed).toBe(whole.length);
    expect(h.handshakeMessage.equals(helloMessage(spec))).toBe(true);
  });

  it('asks for more bytes at every truncation point of a valid hello', () => {
    const full = helloRecords({ ...nokia, extensions: [ext.sni('x.y')] }, 40);
    for (let n = 0; n < full.length; n++) expect(parseClientHello(full.subarray(0, n)).status).toBe('need-more');
    expect(parseClientHello(full).status).toBe('ok');
  });

  it('refuses a record-length bomb at the header, before any body arrives', () => {
    const r = parseClientHello(Buffer.from([22, 3, 1, 0xff, 0xff, 1]));
    expect(r).toMatchObject({ status: 'error', failure: 'record-overflow', alert: 22 });
  });

  it('refuses a hello whose declared length exceeds MAX_CLIENT_HELLO_BYTES once its header is seen', () => {
    const head = Buffer.from([22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff]);
    expect(parseClientHello(head)).toMatchObject({ status: 'error', failure: 'too-large' });
    const big = helloRecords({ ...nokia, extensions: [ext.padding(MAX_CLIENT_HELLO_BYTES)] });
    expect(parseClientHello(big)).toMatchObject({ status: 'error', failure: 'too-large' });
    expect(parseClientHello(big, { maxHelloBytes: 1024 * 1024 }).status).toBe('ok');
  });

  it('calls plaintext IMAP, HTTP and alerts what they are', () => {
    expect(parseClientHello(Buffer.from('a001 LOGIN x y\r\n'))).toMatchObject({ status: 'error', failure: 'not-tls' });
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ status: 'error', failure: 'not-tls' });
    expect(parseClientHello(Buffer.from([21, 3, 1, 0, 2, 2, 40]))).toMatchObject({ status: 'error', failure: 'not-tls' });
  });

  it('calls a hello with inconsistent inner lengths malformed', () => {
    const msg = helloMessage({ ...nokia, extensions: [ext.sni('a.b')] });
    msg[msg.length - 12] ^= 0x40; // corrupt a length inside the extensions
    const rec = Buffer.concat([Buffer.from([22, 3, 1, msg.length >> 8, msg.length & 0xff]), msg]);
    const r = parseClientHello(rec);
    expect(['ok', 'error']).toContain(r.status);
    const bad = helloRecords({ version: 0x0301, suites: [4], compression: [] });
    expect(parseClientHello(bad)).toMatchObject({ status: 'error', failure: 'malformed' });
  });
});

describe('ClientHello reader: SSLv2-compatible hello', () => {
  it('reads version, TLS suites and SSLv2 cipher kinds, and pads the challenge into the random', () => {
    const challenge = Buffer.alloc(16, 0xab);
    const h = ok(ssl2Hello(0x0301, [0x010080, 0x000004, 0x0700c0, 0x00000a, 0x0000ff], challenge));
    expect(h.format).toBe('sslv2');
    expect(h.random.subarray(0, 16).equals(Buffer.alloc(16))).toBe(true);
    expect(h.random.subarray(16).equals(challenge)).toBe(true);
    const ev = helloEvent('c3', h);
    expect(ev.format).toBe('sslv2');
    expect(ev.clientVersion).toBe('TLSv1');
    expect(ev.cipherSuites).toEqual(['TLS_RSA_WITH_RC4_128_MD5', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV', 'SSL_CK_RC4_128_WITH_MD5', 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5']);
    expect(ev.ja4!.startsWith('t10i03')).toBe(true);
  });

  it('refuses SSLv2 hellos whose lengths do not add up', () => {
    const b = ssl2Hello(0x0301, [4]);
    b[8] = 9; // session id length 9: neither 0 nor 16
    expect(parseClientHello(b)).toMatchObject({ status: 'error', failure: 'malformed' });
  });
});

describe('ClientHello reader: robustness', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = parseClientHello(Buffer.from(bytes));
        expect(['need-more', 'ok', 'error']).toContain(r.status);
        if (r.status === 'ok') helloEvent('c', r.hello);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary bytes that start like a handshake record or an SSLv2 hello', () => {
    const prefix = fc.constantFrom(Buffer.from([22, 3, 1]), Buffer.from([22, 3, 3, 0, 60, 1, 0, 0, 56]), Buffer.from([0x80, 0x2e, 1, 3, 1]));
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 400 }), (p, bytes) => {
        const r = parseClientHello(Buffer.concat([p, Buffer.from(bytes)]));
        if (r.status === 'ok') helloEvent('c', r.hello);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on a real hello with bytes flipped or cut', () => {
    const base = helloRecords({ version: 0x0303, suites: [0x1301, 0xc02f, 4], extensions: [ext.sni('a.example'), ext.supportedVersions([0x0304, 0x0303]), ext.sigAlgs([0x0804]), ext.groups([29]), ext.alpn(['imap'])] });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(base.length), (flips, cut) => {
        const b = Buffer.from(base);
        for (const [i, v] of flips) b[i] = v;
        const r = parseClientHello(b.subarray(0, cut));
        if (r.status === 'ok') helloEvent('c', r.hello);
      }),
      { numRuns: 3000 },
    );
  });
});
