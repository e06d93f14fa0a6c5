/**
 * `npm run bench:diagnose`: a generated 100,000-event session (phones retrying the seed's
 * exchanges, well-behaved clients downloading messages in TCP-sized pieces, TLS failures,
 * hand-off page hits) diagnosed in batch and incrementally.
 * Targets: batch under 1 s; incremental cost per event flat (µs/event at 10k, 50k, 100k).
 */
import { performance } from 'node:perf_hooks';
import type { EventInput, LabEvent } from '../electron/api.js';
import { diagnose, IncrementalDiagnosis } from '../electron/lab/diagnosis/index.js';

const TOTAL = 100_000;
const CHECKPOINTS = [10_000, 50_000, 100_000];
const BATCH_TARGET_MS = 1000;

function generate(total: number): LabEvent[] {
  const out: LabEvent[] = [];
  let ms = Date.parse('2026-11-29T10:00:00.000Z');
  let conn = 0;
  const add = (e: EventInput, dt = 5) => {
    ms += dt;
    out.push({ seq: out.length + 1, t: new Date(ms).toISOString(), ...e } as LabEvent);
  };
  const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n'.repeat(60);
  add({ kind: 'lab.start', version: 'bench', listeners: {}, account: { user: 'phone', password: 'x' }, settings: {} });
  while (out.length < total) {
    const c = `c${++conn}`;
    const kind = conn % 4;
    if (kind === 3) {
      add({ kind: 'conn.open', conn: c, proto: 'imaps', remote: 'r', local: 'l', port: 993 });
      add({ kind: 'tls.hello', conn: c, format: 'record', clientVersion: 'TLSv1', maxVersion: 'TLSv1', cipherSuites: ['TLS_RSA_WITH_RC4_128_MD5'], compression: [0], extensions: [] });
      add({ kind: 'tls.failed', conn: c, reason: 'client-rejected-certificate', alert: 'unknown_ca', alertFrom: 'client' });
      add({ kind: 'conn.close', conn: c, by: 'client', bytesIn: 0, bytesOut: 0 });
      add({ kind: 'http.request', method: 'GET', path: '/ca.crt', status: 200, served: 'ca.crt', userAgent: 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1' });
      continue;
    }
    add({ kind: 'conn.open', conn: c, proto: 'imap', remote: 'r', local: 'l', port: 143 });
    const s = (text: string, dt = 5) => add({ kind: 's2c', conn: c, text }, dt);
    const cl = (text: string, dt = 5) => add({ kind: 'c2s', conn: c, text }, dt);
    s('* OK ready\r\n');
    if (kind === 0) {
      cl('A0 AUTHENTICATE CRAM-MD5\r\n');
      s('+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n');
      cl('cGhvbmUgYjkxM2E2MDJjN2VkYTdhNDk1YjRlNmU3MzM0ZDM4OTA=\r\n');
      add({ kind: 'auth', conn: c, mechanism: 'CRAM-MD5', user: 'phone', ok: true });
      s('A0 OK Success\r\n');
      cl('\r\n');
      s('* BAD Invalid tag\r\n');
      cl('A1 NOOP\r\n', 20_000);
      s('A1 OK Completed\r\n');
      cl('A2 EXPUNGE\r\n');
      s('A2 BAD Please select a mailbox first\r\n');
      cl('A3 CLOSE\r\n');
      s('A3 BAD Please select a mailbox first\r\n');
      cl('A4 LOGOUT\r\n');
      s('* BYE LOGOUT received\r\n');
    } else {
      cl(`a1 LOGIN phone secret\r\n`);
      s('a1 OK done\r\n');
      cl('a2 SELECT INBOX\r\n');
      s('* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n');
      cl('a3 FETCH 1:3 (UID BODY.PEEK[])\r\n');
      for (let m = 1; m <= 3; m++) {
        const resp = `* ${m} FETCH (UID ${m} BODY[] {${body.length}}\r\n${body})\r\n`;
        // Cut in uneven pieces, as TCP does.
        for (let i = 0; i < resp.length; i += 1400) s(resp.slice(i, i + 1400), 1);
      }
      s('a3 OK done\r\n');
      cl('a4 LOGOUT\r\n');
      s('* BYE\r\na4 OK bye\r\n');
    }
    add({ kind: 'conn.close', conn: c, by: 'server', bytesIn: 0, bytesOut: 0 });
  }
  add({ kind: 'lab.stop', reason: 'bench' });
  return out.slice(0, total);
}

const events = generate(TOTAL);
const conns = new Set(events.map((e) => e.conn).filter(Boolean)).size;
console.log(`session: ${events.length} events, ${conns} connections`);

// Warm-up (JIT), then measured batch runs.
diagnose(events.slice(0, 20_000));
const runs: number[] = [];
let d = diagnose(events);
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  d = diagnose(events);
  runs.push(performance.now() - t0);
}
const best = Math.min(...runs);
console.log(`batch diagnose:       ${best.toFixed(0)} ms for ${events.length} events (best of 3; runs ${runs.map((r) => r.toFixed(0)).join(', ')} ms)   target < ${BATCH_TARGET_MS} ms   ${best < BATCH_TARGET_MS ? 'OK' : 'MISSED'}`);
console.log(`  verdict ${d.verdict}, ${d.attempts.length} attempts, findings: ${d.findings.map((f) => f.id).join(', ')}`);

function incremental(withResult: boolean): void {
  const inc = new IncrementalDiagnosis();
  const t0 = performance.now();
  let last = t0;
  let lastN = 0;
  const cols: string[] = [];
  for (let i = 0; i < events.length; i++) {
    inc.push(events[i]);
    if (withResult) inc.result();
    const n = i + 1;
    if (CHECKPOINTS.includes(n)) {
      const now = performance.now();
      cols.push(`${(n / 1000).toFixed(0)}k: ${(((now - last) * 1000) / (n - lastN)).toFixed(2)} µs/event`);
      last = now;
      lastN = n;
    }
  }
  const total = performance.now() - t0;
  console.log(`incremental ${withResult ? 'push+result()' : 'push only    '}: ${cols.join('   ')}   (total ${total.toFixed(0)} ms)`);
}
incremental(false);
incremental(true);
