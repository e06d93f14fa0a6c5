/** Bad usage or bad input: exit code 2 and one line naming what was wrong (DESIGN.md). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * Parse flags strictly: an unknown flag or a missing value is a UsageError with a message
 * that names the flag.
 */
export function parseFlags<O extends OptionSpec>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    // Node's message goes on about positional arguments after '--'; the first sentence is the point.
    throw new UsageError((err as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** A port flag: an integer 0..65535 (0 picks a free port). */
export function parsePort(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`--${flag} must be a port number from 0 to 65535, got '${value}'`);
  }
  return Number(value);
}

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** `--network` values (lab and diagnose): the lab's own network, or one the technician does not trust. */
export const NETWORK_TRUST = ['trusted', 'untrusted'] as const;
