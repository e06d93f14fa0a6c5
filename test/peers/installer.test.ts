/**
 * The peer installer (`scripts/install-test-peers.sh`, run by `npm run test:all`): every peer
 * the suite talks to works here, proved the way the tests use it; a peer that only looks
 * installed is named; and the README lists exactly the packages the script installs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { runPeer } from '../support/run.js';
import { tempDir } from '../support/temp.js';

const SCRIPT = join(ROOT, 'scripts', 'install-test-peers.sh');
const installer = (args: string[], env: NodeJS.ProcessEnv = process.env) => runPeer('bash', [SCRIPT, ...args], { env, timeoutMs: 90_000 });

const scratch = tempDir('mailprobe-installer-');

describe('install-test-peers.sh', () => {
  it('proves every peer the suite needs works on this machine (--check)', async () => {
    const peers = (await installer(['--list-peers'])).stdout.trim().split('\n');
    expect(peers).toEqual(expect.arrayContaining(['curl', 'python', 'gnutls', 'dovecot', 'perl-imap', 'chromium', 'postfix', 'swaks']));
    const r = await installer(['--check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^test peers: ${peers.length} work \\(\\d+\\.\\d s\\)\\n$`));
  }, 120_000);

  it('names the Perl peer, in one line, when Authen::SASL has no DIGEST-MD5 (Digest::HMAC missing)', async () => {
    // The failure a fresh machine had: Authen::SASL installed, Digest::HMAC_MD5 not loadable.
    // A module of that name earlier on @INC that dies stands in for the missing package.
    const lib = join(scratch, 'perl');
    mkdirSync(join(lib, 'Digest'), { recursive: true });
    writeFileSync(join(lib, 'Digest', 'HMAC_MD5.pm'), 'die "Digest::HMAC_MD5 is not installed (test)\\n";\n');
    const r = await installer(['--check', '--only', 'perl-imap,curl'], { ...process.env, PERL5LIB: lib });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('test peers: not working: perl-imap: No SASL mechanism found\n');
  });

  it('refuses an unknown peer or option with exit 2 and one line', async () => {
    const peer = await installer(['--check', '--only', 'cyrus']);
    expect([peer.code, peer.stderr]).toEqual([2, "test peers: unknown peer 'cyrus' (try --list-peers)\n"]);
    const opt = await installer(['--purge']);
    expect([opt.code, opt.stderr]).toEqual([2, "test peers: unknown option '--purge' (try --help)\n"]);
  });

  it('installs with --no-install-recommends, so every package it needs is in its own list', async () => {
    const packages = (await installer(['--list'])).stdout.trim().split('\n');
    // The ones Debian only recommends, which the tests need.
    expect(packages).toEqual(expect.arrayContaining(['libdigest-hmac-perl', 'libio-socket-ssl-perl', 'libnet-ssleay-perl', 'dovecot-pop3d']));
    expect(packages).not.toContain('cyrus-clients'); // it pulls cyrus-imapd, which removes dovecot-imapd
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/install -y -qq --no-install-recommends/);
  });

  it('the README lists exactly the packages the script installs', async () => {
    const packages = (await installer(['--list'])).stdout.trim().split('\n').sort();
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- test peers: begin -->([\s\S]*?)<!-- test peers: end -->/.exec(readme);
    expect(block, 'README.md has the test peers block').not.toBeNull();
    const listed = [...block![1].matchAll(/`([a-z0-9.+-]+)`/g)].map((m) => m[1]).sort();
    expect(listed).toEqual(packages);
  });
});
