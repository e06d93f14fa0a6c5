/**
 * The lab's one account. By default a short user name and a 6-digit password, easy to type on a
 * phone keypad, kept (mode 0600) in <dataDir>/account.json so a phone configured once keeps
 * working across lab runs.
 */
import { randomInt } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_USER = 'phone';
export const ACCOUNT_FILE = 'account.json';
export const PASSWORD_DIGITS = 6;

export function randomPassword(): string {
  return String(randomInt(0, 10 ** PASSWORD_DIGITS)).padStart(PASSWORD_DIGITS, '0');
}

/**
 * The account to use: the given user/password win; otherwise the stored ones; otherwise a new
 * random password, stored. A given password is not stored (it was typed for this run).
 */
export function loadOrCreateAccount(dataDir: string, user?: string, password?: string): { user: string; password: string } {
  const file = join(dataDir, ACCOUNT_FILE);
  let stored: { user?: string; password?: string };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  } catch {
    stored = {}; // none yet (or unreadable): a new one is made below
  }
  const finalUser = user ?? stored.user ?? DEFAULT_USER;
  if (password !== undefined) return { user: finalUser, password };
  if (typeof stored.password === 'string' && stored.password !== '') return { user: finalUser, password: stored.password };
  const account = { user: finalUser, password: randomPassword() };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(account, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return account;
}
