/**
 * The rule that picks the SHA-1 or the SHA-256 server certificate from a ClientHello
 * (electron/lab/tls/certificate-choice.ts), on hellos built byte by byte; the real clients are in
 * test/certs/verify.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { chooseCertificate, impliesSha2 } from '../../electron/lab/tls/certificate-choice.js';
import { parseClientHello, type ParsedClientHello } from '../../electron/lab/tls/hello.js';
import { ext, helloRecords, ssl2Hello } from './hello-builder.js';

function hello(b: Buffer): ParsedClientHello {
  const r = parseClientHello(b);
  if (r.status !== 'ok') throw new Error('bad test hello');
  return r.hello;
}
const pick = (b: Buffer): string => chooseCertificate(hello(b)).certificate;
const u16s = (xs: number[]): Buffer => Buffer.concat([Buffer.from([0, xs.length * 2]), ...xs.map((x) => Buffer.from([x >> 8, x & 0xff]))]);

// Signature schemes (RFC 8446 §4.2.3 / RFC 5246 §7.4.1.4.1).
const RSA_SHA1 = 0x0201;
const ECDSA_SHA1 = 0x0203;
const RSA_MD5 = 0x0101;
const RSA_SHA256 = 0x0401;
const RSA_PSS_SHA256 = 0x0804;
const ECDSA_SHA256 = 0x0403;
const GREASE = 0x0a0a;

describe('which server certificate a ClientHello gets', () => {
  it('gives the seed phone (TLS 1.0, RC4-MD5, no extensions) the SHA-1 one', () => {
    expect(pick(helloRecords({ version: 0x0301, suites: [0x0004, 0x0005, 0x000a] }))).toBe('sha1');
  });

  it('gives SHA-1 to any client whose highest version is TLS 1.1 or lower, and to SSLv2-format hellos', () => {
    expect(pick(helloRecords({ version: 0x0302, suites: [0x002f], extensions: [ext.sigAlgs([RSA_SHA256])] }))).toBe('sha1');
    expect(pick(ssl2Hello(0x0301, [0x000004]))).toBe('sha1');
  });

  it('gives SHA-256 to TLS 1.2 and 1.3 clients that list a SHA-2 scheme, whatever else they list', () => {
    expect(pick(helloRecords({ version: 0x0303, suites: [0xc02f], extensions: [ext.sigAlgs([GREASE, RSA_SHA256, RSA_SHA1])] }))).toBe('sha256');
    expect(pick(helloRecords({ version: 0x0303, suites: [0x1301], extensions: [ext.supportedVersions([0x0304]), ext.sigAlgs([RSA_PSS_SHA256])] }))).toBe('sha256');
    expect(pick(helloRecords({ version: 0x0303, suites: [0xc02b], extensions: [ext.sigAlgs([ECDSA_SHA256])] }))).toBe('sha256');
  });

  it('gives SHA-1 to a TLS 1.2 client without signature_algorithms (RFC 5246: {sha1, rsa}) or with SHA-1/MD5 only', () => {
    expect(pick(helloRecords({ version: 0x0303, suites: [0x002f] }))).toBe('sha1');
    expect(pick(helloRecords({ version: 0x0303, suites: [0x002f], extensions: [ext.sigAlgs([RSA_SHA1, ECDSA_SHA1, RSA_MD5, GREASE])] }))).toBe('sha1');
  });

  it('reads signature_algorithms_cert before signature_algorithms (RFC 8446 §4.2.3)', () => {
    const tls13 = ext.supportedVersions([0x0304]);
    expect(pick(helloRecords({ version: 0x0303, suites: [0x1301], extensions: [tls13, ext.sigAlgs([RSA_PSS_SHA256]), ext.raw(50, u16s([RSA_SHA1]))] }))).toBe('sha1');
    expect(pick(helloRecords({ version: 0x0303, suites: [0x1301], extensions: [tls13, ext.sigAlgs([RSA_SHA1]), ext.raw(50, u16s([RSA_SHA256]))] }))).toBe('sha256');
  });

  it('counts SHA-256, SHA-384, SHA-512, RSA-PSS and EdDSA schemes as SHA-2, and not SHA-224, SHA-1, MD5 or GREASE', () => {
    expect([0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0804, 0x0807, 0x0809].every(impliesSha2)).toBe(true);
    expect([0x0301, 0x0201, 0x0203, 0x0101, 0x0a0a, 0xfafa].some(impliesSha2)).toBe(false);
  });
});
