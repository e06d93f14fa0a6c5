/**
 * `mailprobe cert --out DIR --host NAME_OR_IP... [--profile legacy|modern] [--new-ca]`
 * Creates (or reuses) the lab CA and the two server certificates for the given hosts: SHA-256
 * for current clients, SHA-1 for 2006 phones; the lab picks one per connection
 * (electron/lab/tls/README.md). Prints the files and the CA fingerprints to compare with what
 * the phone shows. `--profile` once chose a single signature; it is still accepted (scripts
 * pass it) and the output says that both certificates were written.
 */
import { resolve } from 'node:path';
import { CERT_PROFILES, CertificateHostError, certDirFor, ensureLabCertificates, labsUsingCertificates, parseHosts } from '../../lab/certs/index.js';
import type { CertProfile, SignatureHash } from '../../lab/certs/types.js';
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
  const profile = values.profile === undefined ? undefined : oneOf<CertProfile>('profile', values.profile, CERT_PROFILES, 'legacy');
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
  const certs = await ensureLabCertificates({ outDir, hosts, newCa: values['new-ca'] === true });
  const f = certs.files!;
  const sig = (h: SignatureHash): string => (h === 'sha256' ? 'SHA-256' : 'SHA-1');
  const caState = certs.caCreated ? 'created' : certs.caResigned ? 're-signed' : 'reused';
  const lines = [
    `CA "${certs.caName ?? '?'}" ${caState} (${sig(certs.caSignature)} self-signature, which 2006 phones can read and current clients do not check; valid until ${certs.caNotAfter?.slice(0, 10)})`,
    `  SHA-1   ${certs.caSha1}`,
    `  SHA-256 ${certs.caSha256}`,
    `server certificates ${certs.serverIssued ? 'issued' : 'reused'} for ${certs.hosts.join(', ')} (valid until ${certs.serverNotAfter?.slice(0, 10)}): both are always written,`,
    '  SHA-256 for current clients and SHA-1 for phones of the SHA-1 era; the lab serves each client',
    '  the one it can check, chosen from its ClientHello',
    ...(profile !== undefined
      ? [`note: --profile ${profile} no longer chooses one signature: both server certificates were written`]
      : []),
    'files:',
    `  ${f.caCrt}  CA, DER: install on the phone (served as application/x-x509-ca-cert)`,
    `  ${f.caPem}  CA, PEM: for computers`,
    `  ${f.caKey}  CA private key (0600): keep it here`,
    `  ${f.serverCrt}  server certificate, SHA-256, DER`,
    `  ${f.serverPem}  server certificate, SHA-256, PEM`,
    `  ${f.serverSha1Crt}  server certificate, SHA-1, DER`,
    `  ${f.serverSha1Pem}  server certificate, SHA-1, PEM`,
    `  ${f.serverKey}  server private key of both (0600)`,
    ...(certs.warnings ?? []).map((w) => `warning: ${w}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
