/** The FindingId union of electron/api.ts as a runtime list (kept in step by rules.test.ts). */
import type { FindingId } from '../../electron/api.js';

export const FINDING_IDS: readonly FindingId[] = [
  'empty-line-after-auth',
  'empty-line',
  'auth-success-ignored',
  'auth-retry-after-success',
  'command-before-auth-result',
  'digest-final-response-missing',
  'sasl-ir-unadvertised',
  'login-prompt-mismatch',
  'auth-failed',
  'auth-not-checked',
  'cleartext-password',
  'no-mailbox-selected',
  'full-body-download',
  'slow-client-gap',
  'protocol-violation',
  'tls-handshake-failed',
  'tls-no-command',
  'legacy-tls-only',
  'cert-fetched',
  'cert-format-rejected',
];
