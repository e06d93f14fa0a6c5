/**
 * The documentation in docs/ follows the code: every flag a command accepts, every event kind of
 * electron/api.ts, and no path that leaves the repository. A new flag or event kind without its
 * line in docs/ fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const COMMANDS_DIR = join(ROOT, 'electron', 'cli', 'commands');

/** The flags a command module hands to parseFlags: `name: { type: 'string' | 'boolean' … }`. */
function flagsOf(source: string): string[] {
  return [...source.matchAll(/(?:^|[{,])\s*'?([a-z][a-z-]*)'?: \{ type: '(?:string|boolean)'/gm)].map((m) => m[1]);
}

/** The part of docs/cli.md under `## \`mailprobe NAME\``, up to the next `## `. */
function cliSection(doc: string, name: string): string {
  const start = doc.indexOf(`## \`mailprobe ${name}\``);
  if (start < 0) return '';
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next < 0 ? undefined : next);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist') return [];
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('docs/', () => {
  it('cli.md documents every command and every flag it accepts', () => {
    const doc = read('docs/cli.md');
    const commands = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect(commands).toEqual(expect.arrayContaining(['lab', 'cert', 'diagnose', 'report', 'sessions', 'simulate', 'start']));
    const undocumented: string[] = [];
    for (const name of commands) {
      const section = cliSection(doc, name);
      if (!section) {
        undocumented.push(`mailprobe ${name}`);
        continue;
      }
      const flags = flagsOf(readFileSync(join(COMMANDS_DIR, `${name}.ts`), 'utf8'));
      expect(flags.length, name).toBeGreaterThan(0);
      for (const f of flags) if (!new RegExp(`\`--${f}(?![a-z-])`).test(section)) undocumented.push(`mailprobe ${name} --${f}`);
    }
    expect(undocumented).toEqual([]);
    for (const code of ['| 0 |', '| 1 |', '| 2 |']) expect(doc).toContain(code);
    expect(doc).toMatch(/^ready \{"listeners":\{/m);
  });

  it('events.md has a section for every event kind of electron/api.ts', () => {
    const api = read('electron/api.ts');
    const kinds = [...api.matchAll(/^\s*kind: ('[a-z0-9.]+'(?: \| '[a-z0-9.]+')*);/gm)].flatMap((m) => m[1].split(' | ').map((k) => k.slice(1, -1)));
    expect(kinds).toEqual(expect.arrayContaining(['lab.start', 'c2s', 's2c', 'tls.hello', 'conn.close', 'note']));
    const headings = [...read('docs/events.md').matchAll(/^### (.+)$/gm)].flatMap((m) => [...m[1].matchAll(/`([^`]+)`/g)].map((k) => k[1]));
    expect(kinds.filter((k) => !headings.includes(k))).toEqual([]);
  });

  it('nothing in the README, docs/, electron/, renderer/ or scripts/ points outside the repository', () => {
    const files = [join(ROOT, 'README.md'), ...['docs', 'electron', 'renderer', 'scripts'].flatMap((d) => filesUnder(join(ROOT, d)))];
    const outside = files.filter((f) => readFileSync(f, 'utf8').includes('../shared')).map((f) => relative(ROOT, f));
    expect(outside).toEqual([]);
  });

  it('the README starts with its two commands and links docs/', () => {
    const readme = read('README.md');
    const first = /```sh\n([\s\S]*?)```/.exec(readme)![1].trim().split('\n');
    expect(first.map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm start', 'npm ci && npm run test:all']);
    expect(readme.startsWith('# Mailprobe\n\n```sh\n')).toBe(true);
    for (const page of ['docs/cli.md', 'docs/events.md', 'docs/diagnosis.md', 'docs/findings.md', 'docs/architecture.md']) {
      expect(readme, page).toContain(`(${page})`);
    }
  });
});
