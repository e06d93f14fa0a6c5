/**
 * `cert-fetched`: the phone's browser fetched the lab's CA certificate; the User-Agent names
 * model and firmware (Series 40: `Nokia6233/2.0 (05.10) Profile/MIDP-2.0 …`).
 *
 * Wire signature: an `http.request` with status 200 serving the DER certificate (`ca.crt`,
 * `ca.cer`, `ca.der`, or a path ending so).
 */
import type { HttpRequestEvent } from '../../../api.js';
import type { Rule, RuleMeta } from './types.js';
import { increment } from '../store.js';

export function certKind(ev: HttpRequestEvent): 'der' | 'pem' | 'page' | null {
  const served = (ev.served ?? '').toLowerCase();
  const path = ev.path.toLowerCase().split('?')[0];
  if (served === 'ca.pem' || path.endsWith('.pem')) return 'pem';
  if (/^ca\.(crt|cer|der)$/.test(served) || /\.(crt|cer|der)$/.test(path)) return 'der';
  if (served === 'page') return 'page';
  return null;
}

export const meta: RuleMeta = {
  id: 'cert-fetched',
  area: 'TLS and certificates',
  severity: { info: "the phone's browser downloaded the lab CA" },
  signature: 'An `http.request` answered 200 with the DER certificate (`ca.crt`, `ca.cer`, `ca.der`, or a path ending so); the User-Agent names model and firmware.',
  wire: ['GET /ca.crt  User-Agent: Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1'],
  source: 'The reference case: the 6233 installs a CA only from its browser, as DER, with a `.crt` name.',
  example: { path: '/ca.crt', userAgent: 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1' },
};

export function certFetchedRule(): Rule {
  return {
    id: 'cert-fetched',
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'http.request' || ev.status !== 200 || certKind(ev) !== 'der') return;
      host.store.report({
        id: 'cert-fetched',
        severity: 'info',
        evidence: [ev.seq],
        update(d) {
          increment(d, 'count');
          d.path = ev.path;
          if (ev.userAgent) d.userAgent = ev.userAgent.slice(0, 200);
        },
      });
    },
  };
}
