/** Where the package's files are, from the source tree (tsx, vitest) or from dist/ alike. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding Mailprobe's package.json, found by walking up from this module. */
let ownRoot: string | undefined;

export function packageRoot(from?: string): string {
  // Our own root never moves while we run: found once (profiles, version and fonts all ask).
  if (from === undefined) return (ownRoot ??= findRoot(fileURLToPath(import.meta.url)));
  return findRoot(from);
}

function findRoot(from: string): string {
  let dir = dirname(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mailprobe') return dir;
      } catch {
        // an unreadable package.json above us is not ours: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('mailprobe package root not found above ' + from);
    dir = up;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The built wizard (npm run build:web). */
export function defaultRendererDir(): string {
  return join(packageRoot(), 'dist', 'renderer');
}

export function defaultProfilesDir(): string {
  return join(packageRoot(), 'resources', 'profiles');
}
