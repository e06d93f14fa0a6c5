/**
 * Python clients run by Debian's own interpreter (/usr/bin/python3, where python3-imap-tools is
 * installed; a python3 earlier on PATH may be another build). Each script gets one JSON argument
 * and writes every fetched message to OUT/NNN.eml.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './exec.js';
import { filesIn } from './store.js';
import type { ClientRunOptions, ClientRunResult } from './types.js';

export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Python that builds `ctx` (an ssl.SSLContext, or None for plaintext) from the JSON in `o`. */
export const PY_SSL_CONTEXT = String.raw`
import json, os, ssl, sys
o = json.loads(sys.argv[1])
ctx = None
if o['security'] != 'plain':
    if o['trust'] == 'none':
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=o['caFile'])
def save(i, raw):
    with open(os.path.join(o['out'], '%03d.eml' % i), 'wb') as f:
        f.write(raw)
`;

export async function runPython(script: string, o: ClientRunOptions): Promise<ClientRunResult> {
  const out = join(o.workDir, 'out');
  mkdirSync(out);
  const arg = JSON.stringify({ security: o.security, trust: o.trust, host: o.host, port: o.port, user: o.user, password: o.password, caFile: o.caFile, out });
  const r = await runTool(DEBIAN_PYTHON, ['-c', PY_SSL_CONTEXT + script, arg], { timeoutMs: o.timeoutMs });
  return { ...r, messages: filesIn(out) };
}
