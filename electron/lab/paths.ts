/** Where Mailprobe keeps its data when --data-dir is not given. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MAILPROBE_DATA_DIR) return env.MAILPROBE_DATA_DIR;
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'mailprobe');
}
