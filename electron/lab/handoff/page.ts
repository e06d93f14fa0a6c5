/**
 * The hand-off page at /c: what the phone's browser shows. XHTML Mobile Profile 1.0,
 * no CSS, no script, no images, no tables: a Series 40 browser on a 128–176 px screen shows it
 * as short lines. Everything dynamic is escaped. The page tells the technician to compare a short
 * form of the CA fingerprint with what the phone shows before trusting the certificate.
 */
import { createHash } from 'node:crypto';
import type { LabCertificates } from '../certs/types.js';

export interface HandoffSettings {
  imapHost: string;
  imapPort?: number;
  imapsPort?: number;
  /** Outgoing mail: submission with STARTTLS, and implicit TLS. */
  smtpPort?: number;
  smtpsPort?: number;
  user: string;
  password: string;
  labName?: string;
}

export const DEFAULT_LAB_NAME = 'Mailprobe lab';

/**
 * Short enough to read on a phone: the first and last four bytes, as two lines that never wrap
 * mid-group on a 128 px screen: ["F0FD D3CF ...", "... 35B6 2A53"].
 */
export function shortFingerprint(colonHex: string): [string, string] {
  const hex = colonHex.replace(/:/g, '');
  return [`${hex.slice(0, 4)} ${hex.slice(4, 8)} ...`, `... ${hex.slice(-8, -4)} ${hex.slice(-4)}`];
}

export function md5Fingerprint(der: Buffer): string {
  return createHash('md5').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderPage(settings: HandoffSettings, certs: LabCertificates): string {
  const e = escapeXml;
  const name = settings.labName?.trim() || DEFAULT_LAB_NAME;
  // Phones show SHA-1 or MD5 fingerprints (Series 40 and Symbian details views): give both.
  const sha1 = shortFingerprint(certs.caSha1);
  const md5 = shortFingerprint(md5Fingerprint(certs.caCertDer));
  const lines: string[] = [];
  lines.push(`<p><b>1. Certificate</b><br/>`);
  lines.push(`<a href="/ca.crt">Install lab certificate</a><br/>`);
  lines.push(`Check it shows<br/>SHA-1: ${e(sha1[0])}<br/>${e(sha1[1])}<br/>or MD5: ${e(md5[0])}<br/>${e(md5[1])}<br/>`);
  lines.push(`Trust it for Internet/mail.<br/>`);
  lines.push(`If that fails: <a href="/ca.cer">ca.cer</a></p>`);
  lines.push(`<p><b>2. Mail settings</b><br/>`);
  lines.push(`Server: ${e(settings.imapHost)}<br/>`);
  if (settings.imapPort !== undefined) lines.push(`IMAP port: ${settings.imapPort}<br/>`);
  if (settings.imapsPort !== undefined) lines.push(`SSL port: ${settings.imapsPort}<br/>`);
  if (settings.smtpPort !== undefined) lines.push(`Outgoing (SMTP) port: ${settings.smtpPort}<br/>`);
  if (settings.smtpsPort !== undefined) lines.push(`Outgoing SSL port: ${settings.smtpsPort}<br/>`);
  lines.push(`User: ${e(settings.user)}<br/>`);
  lines.push(`Password: ${e(settings.password)}</p>`);
  lines.push(`<p>Computers: <a href="/ca.pem">CA as PEM</a></p>`);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!DOCTYPE html PUBLIC "-//WAPFORUM//DTD XHTML Mobile 1.0//EN" "http://www.wapforum.org/DTD/xhtml-mobile10.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml">',
    `<head><title>${e(name)}</title><meta name="viewport" content="width=device-width"/></head>`,
    `<body><p><b>${e(name)}</b></p>`,
    ...lines,
    '</body></html>',
    '',
  ].join('\n');
}
