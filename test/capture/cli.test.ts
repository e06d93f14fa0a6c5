/** `mailprobe diagnose capture.pcapng [--keylog FILE] [--server-key KEY.pem]` as a user runs it. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../electron/lab/capture/reader/index.js';
import { buildClientHello } from '../../electron/lab/simulate/index.js';
import { TcpConversation, ethernetFrame, pcapngFile } from '../support/capture-writer.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/lab.js';

function mailprobe(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('./electron/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('mailprobe diagnose on a capture', () => {
  const dir = tempDir('mp-capcli-');

  it('names the phone from its ClientHello when nothing else in the capture does', () => {
    const c = new TcpConversation({ ip: '192.168.1.23', port: 49153 }, { ip: '192.168.1.10', port: 993 }).handshake().send('client', buildClientHello()).close();
    const file = join(dir, 'hello.pcapng');
    writeFileSync(file, pcapngFile([{ linkType: LINKTYPE.ETHERNET }], c.frames(ethernetFrame)));
    const r = mailprobe('diagnose', file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Device: Nokia 6233 (Series 40 3rd Edition), from its ClientHello matches the lab\'s profile of it (JA3/JA4)');
  });

  it('exits 2 with one line for a key file it cannot read, or keys given for a session', () => {
    const file = join(dir, 'empty.pcapng');
    writeFileSync(file, pcapngFile([{ linkType: LINKTYPE.ETHERNET }], []));
    const missing = mailprobe('diagnose', file, '--keylog', join(dir, 'nope.log'));
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toContain('nope.log');
    writeFileSync(join(dir, 'events.jsonl'), '');
    const session = mailprobe('diagnose', join(dir, 'events.jsonl'), '--server-key', file);
    expect(session.code).toBe(2);
    expect(session.err).toMatch(/apply to a capture/);
  });
});
