/** Run a client program to completion; a timeout is a result (code null) with what it printed, not a throw. */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { runPeer } from '../run.js';

export async function runTool(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<{ code: number | null; log: string }> {
  try {
    const r = await runPeer(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, timeoutMs: opts.timeoutMs });
    return { code: r.code, log: r.stdout + r.stderr };
  } catch (err) {
    return { code: null, log: (err as Error).message };
  }
}

/** Write a client's configuration file, readable by its owner only (fetchmail and getmail refuse others). */
export function writeConfig(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** A reply to a prompt: when the output matches `when`, type `send` (once). */
export interface PromptReply {
  when: RegExp;
  send: string;
}

/**
 * Run a program that may stop at interactive prompts (mutt's certificate dialog): stdin stays
 * open, and each reply is typed once, when its prompt has been printed.
 */
export function runAnswering(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; replies: PromptReply[] }): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let log = '';
    const pending = [...opts.replies];
    // A prompt is looked for only in what was printed after the previous reply was typed.
    let from = 0;
    const onData = (d: Buffer) => {
      log += d.toString('latin1');
      const hit = pending.find((r) => r.when.test(log.slice(from)));
      if (!hit) return;
      pending.splice(pending.indexOf(hit), 1);
      from = log.length;
      child.stdin.write(hit.send);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.stdin.on('error', () => undefined); // the program may exit before a reply is typed
    const timer = setTimeout(() => {
      log += `\n[killed after ${opts.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, log: log + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}

/** Concatenate PEM files into one bundle (a client's trust file) at `path`. */
export function writePemBundle(path: string, pemFiles: string[]): string {
  writeFileSync(path, pemFiles.map((f) => readFileSync(f, 'utf8')).join('\n'));
  return path;
}

/**
 * The network timeout to configure in a client, in seconds: half the run's budget, so a stuck
 * client gives up and says why before the run is killed.
 */
export function networkTimeoutSeconds(runTimeoutMs: number): number {
  return Math.ceil(runTimeoutMs / 2000);
}
