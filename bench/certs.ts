/**
 * `npm run bench:certs`: the lab CA plus its two server certificates (SHA-256 and SHA-1, one
 * server key), made N times (fresh directory each run, so both RSA keys are generated), median
 * and p90, next to OpenSSL doing the same work in the same run: `openssl req -x509 -newkey
 * rsa:2048` for the CA, `openssl req -new -newkey rsa:2048` + two `openssl x509 -req` (-sha256,
 * -sha1) for the server certificates, and the three DER conversions (`openssl x509 -outform
 * DER`) that give ca.crt, server.crt and server-sha1.crt.
 *
 * RSA key generation dominates both and varies a lot from run to run (prime search), hence the
 * median. Usage: npm run bench:certs [-- RUNS]
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLabCertificates } from '../electron/lab/certs/index.js';
import { buildCaCertificate, buildServerCertificate, certToDer, generateRsaKeyPair } from '../electron/lab/certs/build.js';
import { parseHosts } from '../electron/lab/certs/hosts.js';
import { tempDir } from '../test/support/temp.js';

const RUNS = Number(process.argv[2] ?? process.env.BENCH_RUNS ?? 15);
const HOSTS = ['192.168.1.20', 'mailprobe.lan'];

function stats(ms: number[]): { median: number; p90: number; min: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], p90: s[Math.min(s.length - 1, Math.ceil(s.length * 0.9) - 1)], min: s[0] };
}

async function ours(): Promise<number> {
  const dir = tempDir('mp-bench-certs-');
  const t0 = performance.now();
  await ensureLabCertificates({ outDir: dir, hosts: HOSTS });
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function oursInMemory(): Promise<number> {
  const t0 = performance.now();
  const caKeys = await generateRsaKeyPair();
  const ca = buildCaCertificate({ keys: caKeys });
  const keys = await generateRsaKeyPair();
  const hosts = parseHosts(HOSTS);
  certToDer(ca);
  for (const hash of ['sha256', 'sha1'] as const) certToDer(buildServerCertificate({ keys, ca, caKeys, hosts, hash }));
  return performance.now() - t0;
}

function openssl(): number {
  const dir = tempDir('mp-bench-openssl-');
  const p = (f: string) => join(dir, f);
  writeFileSync(
    p('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:192.168.1.20,DNS:mailprobe.lan\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const t0 = performance.now();
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-sha1', '-days', '3650',
    '-subj', '/CN=Mailprobe Lab CA/O=Mailprobe', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=192.168.1.20/O=Mailprobe']);
  for (const [hash, name] of [['-sha256', 'server'], ['-sha1', 'server-sha1']]) {
    run(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', hash, '-days', '730',
      '-extfile', p('server.ext'), '-out', p(`${name}.pem`)]);
  }
  run(['x509', '-in', p('ca.pem'), '-outform', 'DER', '-out', p('ca.crt')]);
  for (const name of ['server', 'server-sha1']) run(['x509', '-in', p(`${name}.pem`), '-outform', 'DER', '-out', p(`${name}.crt`)]);
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

const a: number[] = [];
const b: number[] = [];
const c: number[] = [];
await ours(); // warm-up: module loading, JIT
openssl();
for (let i = 0; i < RUNS; i++) {
  // Interleaved, so both see the same machine load.
  a.push(await ours());
  b.push(await oursInMemory());
  c.push(openssl());
}
const fmt = (name: string, ms: number[]) => {
  const s = stats(ms);
  return `${name.padEnd(58)} median ${s.median.toFixed(0).padStart(5)} ms   p90 ${s.p90.toFixed(0).padStart(5)} ms   min ${s.min.toFixed(0).padStart(5)} ms`;
};
const version = execFileSync('openssl', ['version']).toString().trim();
process.stdout.write(
  [
    `CA (SHA-1) + server certificates (SHA-256 and SHA-1, one key; RSA 2048, SANs), ${RUNS} runs, node ${process.version}, ${version}`,
    fmt('mailprobe ensureLabCertificates (keys, certs, 8 files)', a),
    fmt('mailprobe in memory, keys one after the other, no files', b),
    fmt('openssl req -x509 -newkey + req -new + 2 x509 -req + 3 DER', c),
    `ratio (ensureLabCertificates / openssl, medians): ${(stats(a).median / stats(c).median).toFixed(2)}`,
  ].join('\n') + '\n',
);
