import { describe, expect, it } from 'vitest';
import { X509Certificate, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { ensureLabCertificates } from '../../electron/lab/certs/index.js';
import { commonName, signatureHashOfDer, signatureOid, subjectAltHosts } from '../../electron/lab/certs/x509.js';
import { runPeer as run } from '../support/run.js';
import { tmp } from './helpers.js';

/** forge's reading of the signature algorithm: the reference the DER walk is checked against. */
function forgeSignatureOid(der: Buffer): string {
  const top = forge.asn1.fromDer(der.toString('binary'));
  const alg = (top.value as forge.asn1.Asn1[])[1];
  return forge.asn1.derToOid((alg.value as forge.asn1.Asn1[])[0].value as string);
}

/** A self-signed certificate made by openssl, as DER. */
async function opensslCert(dir: string, name: string, keyArgs: (out: string) => string[], extra: string[] = []): Promise<Buffer> {
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  const k = await run('openssl', keyArgs(key));
  expect(k.code, k.stderr).toBe(0);
  const c = await run('openssl', ['req', '-x509', '-new', '-key', key, '-days', '30', '-subj', `/CN=${name}`, ...extra, '-out', pem]);
  expect(c.code, c.stderr).toBe(0);
  return new X509Certificate(readFileSync(pem)).raw;
}

const RSA = (out: string) => ['genrsa', '-out', out, '2048'];

describe('reading certificates without node-forge', () => {
  it('finds the signature algorithm forge finds, for the lab certificates and openssl RSA, ECDSA and Ed25519 ones', async () => {
    const dir = tmp();
    const lab = await ensureLabCertificates({ outDir: join(dir, 'lab'), hosts: ['127.0.0.1'] });
    const ders: Array<[Buffer, string]> = [
      [lab.caCertDer, '1.2.840.113549.1.1.5'],
      [lab.serverCertDer, '1.2.840.113549.1.1.11'],
      [lab.serverSha1CertDer, '1.2.840.113549.1.1.5'],
      [await opensslCert(dir, 'rsa384', RSA, ['-sha384']), '1.2.840.113549.1.1.12'],
      [await opensslCert(dir, 'p256', (out) => ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', out]), '1.2.840.10045.4.3.2'],
      [await opensslCert(dir, 'ed25519', (out) => ['genpkey', '-algorithm', 'ed25519', '-out', out]), '1.3.101.112'],
    ];
    for (const [der, oid] of ders) {
      expect(signatureOid(der)).toBe(oid);
      expect(signatureOid(der)).toBe(forgeSignatureOid(der));
    }
    expect(signatureHashOfDer(lab.caCertDer)).toBe('sha1');
    expect(signatureHashOfDer(lab.serverCertDer)).toBe('sha256');
    expect(signatureHashOfDer(ders[3]![0])).toBeUndefined(); // SHA-384: neither of the lab's two
  });

  it('gives undefined, never throws, for bytes that are not a certificate', () => {
    const pemText = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const samples = [Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x02, 0x01, 0x00]), pemText, randomBytes(64)];
    for (let cut = 1; cut < 40; cut += 3) samples.push(Buffer.from([0x30, 0x82, 0x01, 0x00, 0x30, 0x03, 0x02, 0x01, 0x02, 0x30, 0x0d, 0x06, 0x09]).subarray(0, cut));
    for (const bytes of samples) expect(signatureOid(bytes)).toBeUndefined();
  });

  it('reads names and addresses as the certificate holds them: DNS lower case, IPv6 in its short form', async () => {
    const dir = tmp();
    const der = await opensslCert(dir, 'named', RSA, ['-addext', 'subjectAltName=DNS:Phone.Lab,IP:10.0.0.5,IP:0:0:0:0:0:0:0:1,IP:fe80:0:0:0:0:0:0:2']);
    const x = new X509Certificate(der);
    expect(subjectAltHosts(x)).toEqual([
      { host: 'phone.lab', kind: 'dns' },
      { host: '10.0.0.5', kind: 'ip' },
      { host: '::1', kind: 'ip' },
      { host: 'fe80::2', kind: 'ip' },
    ]);
    expect(commonName(x)).toBe('named');
  });
});
