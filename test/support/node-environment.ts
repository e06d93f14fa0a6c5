/**
 * Vitest globalSetup: the environment variables that slow every Node start and that no test
 * needs are removed for the run, before any worker starts (the forks, and every process they
 * spawn, inherit the environment from here). NODE_EXTRA_CA_CERTS, set on this sandbox to the
 * system CA bundle, makes Node parse that bundle before any script runs: about 70 ms of each of
 * the hundreds of Node processes a run starts (labs, the CLI, the peers written in Node). It adds
 * CAs to Node's TLS clients; the tests' clients trust the lab's own CA, which they are given.
 * The benchmarks start the lab without them too (bench/support.ts, labEnvironment).
 */

/**
 * Variables that make every Node process slower to start and that neither the lab nor the tests
 * use: NODE_EXTRA_CA_CERTS (`node -e 0` here: 0.10–0.13 s with it, 0.03–0.04 s without).
 */
export const LAB_UNUSED_ENVIRONMENT = ['NODE_EXTRA_CA_CERTS'] as const;

export default function setup(): () => void {
  const removed = new Map<string, string>();
  for (const name of LAB_UNUSED_ENVIRONMENT) {
    const value = process.env[name];
    if (value === undefined) continue;
    removed.set(name, value);
    delete process.env[name];
  }
  return () => {
    for (const [name, value] of removed) process.env[name] = value;
  };
}
