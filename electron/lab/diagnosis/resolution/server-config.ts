/**
 * What the customer's own server needs so that a configuration the phone proved in the lab
 * works there too: in plain words, and as configuration to paste for Dovecot 2.3, Cyrus IMAP
 * and Postfix 3 (SMTP). Printed only where a stock server can meet the need: OpenSSL 3, which
 * current Dovecot, Postfix and Cyrus are built on, has no RC4 or 3DES TLS suites at all, so for
 * a phone that speaks only those no configuration is printed and `needs` says what it takes.
 */
import type { ServerNeeds, TriedConfiguration } from '../../../api.js';
import { CHALLENGE_MECHANISMS } from './protection.js';

/** Suites OpenSSL 3 cannot negotiate whatever the configuration (RC4 removed, 3DES not in TLS). */
function needsPreOpenSsl3(cipher: string): boolean {
  return /RC4|3DES|DES_EDE|EXPORT|_DES_/i.test(cipher);
}

/**
 * Dovecot's `auth_mechanisms` (lower case): plain and login always (the LOGIN command and
 * clients that need them), plus the challenge mechanism the phone used — or, where a variant
 * restricted what was offered, only the challenge mechanisms that variant offered: what the
 * phone's automatic choice saw is the point.
 */
function dovecotMechanisms(c: TriedConfiguration, offered: string[] | null): string {
  const challenge = offered ? offered.filter((m) => CHALLENGE_MECHANISMS.has(m.toUpperCase())) : c.mechanism && CHALLENGE_MECHANISMS.has(c.mechanism) ? [c.mechanism] : [];
  return ['plain', 'login', ...challenge.map((m) => m.toLowerCase())].join(' ');
}

/** Mechanisms a variant advertised, read from its label ("offers only PLAIN LOGIN"), when it restricted them. */
export function offeredByVariant(label: string | undefined): string[] | null {
  if (!label) return null;
  const m = /mechanisms: ([A-Z0-9 -]+|none)/i.exec(label);
  if (!m) return null;
  return m[1].trim().toLowerCase() === 'none' ? [] : m[1].trim().split(/\s+/);
}

/** How a plain login reads in a sentence. */
function loginName(mech: string): string {
  if (mech === 'LOGIN-COMMAND') return 'the LOGIN command';
  if (mech === 'USER-PASS') return 'USER/PASS';
  return `AUTH=${mech}`;
}

function tlsVersionName(version: string): string {
  return version === 'TLSv1' ? 'TLSv1' : version;
}

export function serverNeeds(c: TriedConfiguration): ServerNeeds {
  const needs: string[] = [];
  const costs: string[] = [];
  const offered = offeredByVariant(c.variantLabel);
  const mech = c.mechanism;
  const plainLogin = mech !== null && !CHALLENGE_MECHANISMS.has(mech);
  const legacyTls = c.tls !== null && /^TLSv1(\.[01])?$/.test(c.tls.version);
  const impossibleTls = c.tls !== null && needsPreOpenSsl3(c.tls.cipher);
  const lenientEmptyLine = /empty line: lenient/i.test(c.variantLabel ?? '');

  if (c.proto === 'smtp') return postfixNeeds(c, offered);

  if (plainLogin && c.security === 'none') {
    needs.push(`accept ${loginName(mech)} without TLS (${c.proto === 'pop3' ? 'USER in the CAPA list' : 'no LOGINDISABLED in the capabilities'})`);
    costs.push('Passwords in clear are then accepted from every client, not only this phone: limit it to the local network where the server allows (Dovecot `remote` blocks).');
  }
  if (mech && CHALLENGE_MECHANISMS.has(mech)) {
    needs.push(`offer AUTH=${mech} and keep the password in a form ${mech} can use (plain text or the ${mech} scheme)`);
    costs.push(`${mech} needs the password stored recoverably on the server.`);
  }
  if (offered) needs.push(`advertise only ${offered.length ? offered.join(' ') : 'no SASL mechanisms'} so that the phone's automatic choice falls on ${mech === 'LOGIN-COMMAND' ? 'the LOGIN command' : (mech ?? 'LOGIN')}`);
  if (c.security === 'tls') needs.push(`accept TLS from the first byte on port ${c.proto === 'pop3' ? 995 : 993} (implicit TLS)`);
  if (c.security === 'starttls') needs.push(c.proto === 'pop3' ? 'offer STLS on the normal port (RFC 2595)' : 'offer STARTTLS on the normal port');
  if (c.tls && legacyTls) needs.push(`accept ${c.tls.version} with ${c.tls.cipher}`);
  if (impossibleTls) needs.push(`${c.tls!.cipher} is not available in OpenSSL 3, which current Dovecot and Cyrus use: only a TLS front end built on a library that still has it (GnuTLS 3.7 with +ARCFOUR-128/+3DES-CBC, or OpenSSL 1.0.2) can serve this phone over TLS, and nothing like that should face the Internet`);
  if (lenientEmptyLine) needs.push('ignore an empty line sent after the login instead of answering it with an error; Dovecot and Cyrus always answer it with BAD, no setting changes that');

  const stockCannot = impossibleTls || lenientEmptyLine;
  if (legacyTls && !impossibleTls) costs.push(`${c.tls!.version} is deprecated (RFC 8996); enabling it lets every client fall back to it.`);
  if (needs.length === 0) needs.push('nothing beyond a standard configuration');

  return {
    needs,
    dovecot: stockCannot ? null : dovecotConfig(c, offered, legacyTls),
    cyrus: stockCannot ? null : cyrusConfig(c, offered, legacyTls),
    postfix: null,
    cost: costs.join(' ') || 'No security cost beyond the configuration the phone already uses.',
  };
}

function dovecotConfig(c: TriedConfiguration, offered: string[] | null, legacyTls: boolean): string {
  const lines = ['# Dovecot 2.3 (conf.d/10-auth.conf, 10-ssl.conf): generated by Mailprobe'];
  lines.push(`auth_mechanisms = ${dovecotMechanisms(c, offered)}`);
  const plain = c.mechanism !== null && !CHALLENGE_MECHANISMS.has(c.mechanism);
  if (plain && c.security === 'none') lines.push('disable_plaintext_auth = no');
  if (c.security !== 'none') {
    lines.push('ssl = yes');
    if (legacyTls) {
      lines.push(`ssl_min_protocol = ${tlsVersionName(c.tls!.version)}`);
      // OpenSSL 3 refuses TLS 1.0/1.1 handshakes (their MD5+SHA-1 signatures) above level 0.
      lines.push('ssl_cipher_list = DEFAULT:@SECLEVEL=0');
    }
  }
  if (c.mechanism && CHALLENGE_MECHANISMS.has(c.mechanism)) lines.push('# passdb: passwords stored as {PLAIN} (or {CRAM-MD5}) for CRAM-MD5/DIGEST-MD5');
  return lines.join('\n') + '\n';
}

function cyrusConfig(c: TriedConfiguration, offered: string[] | null, legacyTls: boolean): string {
  const lines = ['# Cyrus IMAP 3 (imapd.conf): generated by Mailprobe'];
  const plain = c.mechanism !== null && !CHALLENGE_MECHANISMS.has(c.mechanism);
  const mechs = offered ? ['PLAIN', 'LOGIN', ...offered] : ['PLAIN', 'LOGIN', ...(c.mechanism && CHALLENGE_MECHANISMS.has(c.mechanism) ? [c.mechanism] : [])];
  lines.push(`sasl_mech_list: ${[...new Set(mechs.map((m) => m.toUpperCase()))].join(' ')}`);
  if (plain && c.security === 'none') lines.push('allowplaintext: yes');
  if (legacyTls) lines.push(`tls_versions: ${c.tls!.version === 'TLSv1' ? 'tls1_0 tls1_1 tls1_2' : 'tls1_1 tls1_2'}`, 'tls_ciphers: DEFAULT:@SECLEVEL=0');
  return lines.join('\n') + '\n';
}

function postfixNeeds(c: TriedConfiguration, offered: string[] | null): ServerNeeds {
  const needs: string[] = [];
  const costs: string[] = [];
  const lines = ['# Postfix 3 (main.cf): generated by Mailprobe; SASL through Dovecot', 'smtpd_sasl_auth_enable = yes', 'smtpd_sasl_type = dovecot', 'smtpd_sasl_path = private/auth'];
  const label = c.variantLabel ?? '';
  if (/AUTH= line/i.test(label)) {
    needs.push('also announce AUTH in the pre-standard "250-AUTH=…" form');
    lines.push('broken_sasl_auth_clients = yes');
  }
  if (c.security === 'none' && c.mechanism) {
    needs.push('accept AUTH without TLS on the submission port');
    lines.push('smtpd_tls_auth_only = no');
    costs.push('Any client may then send its password in clear.');
  } else if (c.security !== 'none') {
    lines.push(c.security === 'tls' ? 'smtpd_tls_wrappermode = yes  # in master.cf, for port 465' : 'smtpd_tls_security_level = may');
  }
  const impossibleTls = c.tls !== null && needsPreOpenSsl3(c.tls.cipher);
  if (c.tls && /^TLSv1(\.[01])?$/.test(c.tls.version)) {
    needs.push(`accept ${c.tls.version} with ${c.tls.cipher}`);
    lines.push('smtpd_tls_protocols = >=TLSv1', 'smtpd_tls_mandatory_protocols = >=TLSv1', 'tls_high_cipherlist = DEFAULT:@SECLEVEL=0', 'smtpd_tls_ciphers = high');
    costs.push(`${c.tls.version} is deprecated (RFC 8996).`);
  }
  if (impossibleTls) needs.push(`${c.tls!.cipher} is not available in OpenSSL 3, which Postfix uses: only a TLS front end on a library that still has it can serve this device`);
  if (offered) needs.push(`offer only ${offered.join(' ') || 'no'} mechanisms`);
  if (needs.length === 0) needs.push('nothing beyond a standard submission configuration');
  return { needs, dovecot: null, cyrus: null, postfix: impossibleTls ? null : lines.join('\n') + '\n', cost: costs.join(' ') || 'No security cost beyond the configuration the device already uses.' };
}
