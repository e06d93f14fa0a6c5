import { readFileSync } from 'node:fs';
import { startHarness } from '../test/tls/harness.ts';
import { runPeer } from '../test/support/run.ts';
const d = '/tmp/certs-cap/dd/certs/';
const ca = d + 'ca.pem';
const h = await startHarness('implicit', { identity: { keyPem: readFileSync(d + 'server.key', 'utf8'), certPem: readFileSync(d + 'server-sha1.pem', 'utf8'), caPem: readFileSync(ca, 'utf8') } });
const h2 = await startHarness('implicit', { identity: { keyPem: readFileSync(d + 'server.key', 'utf8'), certPem: readFileSync(d + 'server.pem', 'utf8'), caPem: readFileSync(ca, 'utf8') } });
const py = (port: number, name: string) => runPeer('python3', ['-c', `
import ssl, socket
ctx = ssl.create_default_context(cafile='${ca}')
try:
    ctx.wrap_socket(socket.create_connection(('127.0.0.1', ${port})), server_hostname='${name}').recv(10)
    print('ok')
except Exception as e: print('err', e)`]);
console.log('py sha1', (await py(h.port, 'localhost')).stdout.trim());
console.log('py name', (await py(h2.port, 'other.example')).stdout.trim());
const gn = (port: number, name: string) => runPeer('gnutls-cli', ['--x509cafile', ca, '-p', String(port), name], { timeoutMs: 5000 });
console.log('gnutls sha1', (await gn(h.port, 'localhost')).stdout.split('\n').filter(l => /Status|rror/.test(l)).join(' | '));
const node = (port: number, name: string) => new Promise((res) => { import('node:tls').then(({connect}) => { const s = connect({ host: '127.0.0.1', port, servername: name, ca: readFileSync(ca) }, () => { res('ok'); s.end(); }); s.on('error', (e) => res('err ' + e.message)); }); });
console.log('node sha1', await node(h.port, 'localhost'));
console.log('node name', await node(h2.port, 'other.example'));
const curl = (port: number, name: string) => runPeer('curl', ['-sS', '--cacert', ca, '--resolve', `${name}:${port}:127.0.0.1`, `imaps://${name}:${port}/`]);
console.log('curl sha1', (await curl(h.port, 'localhost')).stderr.trim());
console.log('curl name', (await curl(h2.port, 'other.example')).stderr.trim());
await new Promise((r) => setTimeout(r, 300));
for (const [n, x] of [['sha1', h], ['sha256', h2]] as const) for (const e of x.events()) if (e.kind === 'tls.failed' || e.kind === 'tls.established') console.log(n, e.conn, e.kind, (e as any).reason ?? '', (e as any).alert ?? '', (e as any).certificate);
await h.close(); await h2.close();
