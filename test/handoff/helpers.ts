import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureLabCertificates } from '../../electron/lab/certs/index.js';
import type { LabCertificates } from '../../electron/lab/certs/types.js';
import { startHandoffServer, type HandoffServer, type HandoffLimits } from '../../electron/lab/handoff/index.js';
import { SessionRecorder, readEvents } from '../../electron/lab/recorder/index.js';
import type { LabEvent } from '../../electron/api.js';
import { tmp } from '../certs/helpers.js';

export interface Lab {
  dataDir: string;
  certs: LabCertificates;
  recorder: SessionRecorder;
  server: HandoffServer;
  base: string;
  events(): LabEvent[];
  close(): Promise<void>;
}

/** A hand-off server with real certificates in a fresh data directory, on 127.0.0.1:0. */
export async function startLab(limits?: Partial<HandoffLimits>, certs?: LabCertificates): Promise<Lab> {
  const dataDir = tmp('mp-handoff-');
  const c = certs ?? (await ensureLabCertificates({ dataDir, hosts: ['127.0.0.1', 'localhost'] }));
  const recorder = new SessionRecorder({ dataDir });
  const server = await startHandoffServer({
    host: '127.0.0.1',
    port: 0,
    recorder,
    certs: c,
    limits,
    settings: { imapHost: '127.0.0.1', imapPort: 143, imapsPort: 993, user: 'phone', password: 'pa<ss>&word', labName: 'Bench 3' },
  });
  return {
    dataDir,
    certs: c,
    recorder,
    server,
    base: `http://127.0.0.1:${server.port}`,
    events: () => {
      recorder.flush();
      return readEvents(recorder.dir);
    },
    close: async () => {
      await server.close();
      recorder.close();
    },
  };
}

export const keyFile = (lab: Lab, name: 'ca.key' | 'server.key') => join(lab.certs.dir, name);

/** Send raw bytes over TCP, collect everything until the server closes (or `timeoutMs`). */
export function rawRequest(port: number, data: string | Buffer, timeoutMs = 3000): Promise<{ bytes: Buffer; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1', () => s.write(data));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ bytes: Buffer.concat(chunks), closed: false, ms: performance.now() - t0 });
    }, timeoutMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(chunks), closed: true, ms: performance.now() - t0 });
    });
  });
}

export function statusOf(response: Buffer): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(response.toString('latin1'));
  return m ? Number(m[1]) : 0;
}

export function bodyOf(response: Buffer): Buffer {
  const i = response.indexOf('\r\n\r\n');
  return i === -1 ? Buffer.alloc(0) : response.subarray(i + 4);
}
