/**
 * `mailprobe cert --out DIR --host NAME_OR_IP... [--profile legacy|modern] [--new-ca]`
 * Creates (or reuses) the lab CA and a server certificate for the given hosts (issue 4).
 * Prints the files and the CA fingerprints to compare with what the phone shows.
 */
import { resolve } from 'node:path';
import { CERT_PROFILES, CertificateHostError, DEFAULT_PROFILE, certDirFor, ensureLabCertificates, labsUsingCertificates, parseHosts } from '../../lab/certs/index.js';
import type { CertProfile } from '../../lab/certs/types.js';
import { defaultDataDir } from '../../lab/paths.js';
import { UsageError, oneOf, parseFlags } from '../usage.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      out: { type: 'string' },
      host: { type: 'string', multiple: true },
      profile: { type: 'string' },
      'new-ca': { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
    false,
  );
  // `--host a --host b` and `--host a,b` both work.
  const hosts = (values.host ?? []).flatMap((h) => h.split(',')).map((h) => h.trim()).filter((h) => h !== '');
  if (hosts.length === 0) throw new UsageError('--host NAME_OR_IP is required (repeat it or give a comma list)');
  const profile = oneOf<CertProfile>('profile', values.profile, CERT_PROFILES, DEFAULT_PROFILE);
  try {
    parseHosts(hosts);
  } catch (err) {
    if (err instanceof CertificateHostError) throw new UsageError(err.message);
    throw err;
  }
  const outDir = values.out !== undefined ? resolve(values.out) : certDirFor({ dataDir: values['data-dir'] ?? defaultDataDir() });
  if (values['new-ca'] === true) {
    // A running lab keeps the CA it loaded; replacing it now would make the lab, its hand-off
    // page and the phone disagree. Refuse, and say how to proceed.
    const labs = labsUsingCertificates(outDir);
    if (labs.length > 0) {
      throw new UsageError(`--new-ca: a running lab (pid ${labs.join(', ')}) serves the certificates in ${outDir}; stop it first, or give --out another directory`);
    }
  }
  const certs = await ensureLabCertificates({ outDir, hosts, profile, newCa: values['new-ca'] === true });
  const f = certs.files!;
  const sig = (p: CertProfile | undefined) => (p === 'modern' ? 'SHA-256' : 'SHA-1');
  const lines = [
    `CA "${certs.caName ?? '?'}" ${certs.caCreated ? 'created' : 'reused'} (${sig(certs.caProfile)} signature, valid until ${certs.caNotAfter?.slice(0, 10)})`,
    `  SHA-1   ${certs.caSha1}`,
    `  SHA-256 ${certs.caSha256}`,
    `server certificate ${certs.serverIssued ? 'issued' : 'reused'} for ${certs.hosts.join(', ')} (${certs.profile} profile, ${sig(certs.profile)}, valid until ${certs.serverNotAfter?.slice(0, 10)})`,
    'files:',
    `  ${f.caCrt}  CA, DER: install on the phone (served as application/x-x509-ca-cert)`,
    `  ${f.caPem}  CA, PEM: for computers`,
    `  ${f.caKey}  CA private key (0600): keep it here`,
    `  ${f.serverCrt}  server certificate, DER`,
    `  ${f.serverPem}  server certificate, PEM`,
    `  ${f.serverKey}  server private key (0600)`,
    ...(certs.warnings ?? []).map((w) => `warning: ${w}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
