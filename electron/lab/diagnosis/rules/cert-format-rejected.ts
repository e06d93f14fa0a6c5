/**
 * `cert-format-rejected`: the phone fetched the PEM form, or fetched the DER form again and
 * again (CERT_REFETCH_LIMIT), or opened the hand-off page but never fetched the certificate
 * (decided when the session stops or the phone comes back on an IMAP port).
 *
 * Source: seed (a PEM certificate "contains an error"; the 6233 needs a `.crt` name and
 * `application/x-x509-ca-cert`; "Error safetymodule"), Symbian's installer accepting only DER.
 */
import type { LabEvent } from '../../../api.js';
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { CERT_REFETCH_LIMIT } from '../constants.js';
import { certKind } from './cert-fetched.js';
import { addUnique } from '../store.js';

export const meta: RuleMeta = {
  id: 'cert-format-rejected',
  area: 'TLS and certificates',
  severity: { warning: 'the certificate did not get onto the phone' },
  signature: `The phone fetched the PEM form; or the DER form ${CERT_REFETCH_LIMIT} times or more; or it opened the hand-off page and never fetched the certificate (decided when the session stops or the phone comes back on an IMAP port).`,
  source: 'The reference case and its readers: a PEM certificate "contains an error", the 6233 needs a `.crt` name and application/x-x509-ca-cert, "Error safetymodule". Symbian\'s certificate installer takes DER only.',
  example: { why: ['pem'] },
};

export function certFormatRejectedRule(): Rule {
  const derSeqs: number[] = [];
  const pageSeqs: number[] = [];
  let firm = false;
  let provisional = false;
  const report = (host: RuleHost, evidence: number[], why: string) =>
    host.store.report({
      id: 'cert-format-rejected',
      severity: 'warning',
      evidence,
      update(d) {
        addUnique(d, 'why', why);
      },
    });
  const pageWithoutCert = (host: RuleHost, ev: LabEvent) => {
    if (firm || provisional || pageSeqs.length === 0 || derSeqs.length > 0) return;
    provisional = true;
    report(host, [...pageSeqs, ev.seq], 'page-without-certificate');
  };
  return {
    id: 'cert-format-rejected',
    onEvent(ev, _conn, host) {
      if (ev.kind === 'http.request') {
        const kind = certKind(ev);
        if (kind === 'pem' && ev.status === 200) {
          if (provisional) host.store.retract('cert-format-rejected');
          provisional = false;
          firm = true;
          report(host, [ev.seq], 'pem');
        } else if (kind === 'der' && ev.status === 200) {
          if (provisional) {
            host.store.retract('cert-format-rejected');
            provisional = false;
          }
          if (derSeqs.length < 64) derSeqs.push(ev.seq);
          if (derSeqs.length >= CERT_REFETCH_LIMIT) {
            firm = true;
            report(host, derSeqs.slice(-CERT_REFETCH_LIMIT), 'der-refetched');
            host.store.updateData('cert-format-rejected', (d) => {
              d.derFetches = derSeqs.length;
            });
          }
        } else if (kind === 'page' && pageSeqs.length < 8) {
          pageSeqs.push(ev.seq);
        }
      } else if ((ev.kind === 'conn.open' && (ev.proto === 'imap' || ev.proto === 'imaps')) || ev.kind === 'lab.stop') {
        pageWithoutCert(host, ev);
      }
    },
  };
}
