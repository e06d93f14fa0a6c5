import { readdirSync, readFileSync } from 'node:fs';
const root = process.argv[2];
const { diagnose } = await import(root + '/electron/lab/diagnosis/index.ts');
const dir = '/work/wt-certs/test/fixtures/';
const out: Record<string, unknown> = {};
for (const f of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
  const evs = readFileSync(dir + f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  out[f] = diagnose(evs);
}
console.log(JSON.stringify(out, null, 1));
