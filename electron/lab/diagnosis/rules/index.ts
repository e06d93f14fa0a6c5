/** Every rule, one per quirk of QUIRKS.md, in the order their findings are usually read. */
import type { Rule } from './types.js';
import { emptyLineAfterAuthRule } from './empty-line-after-auth.js';
import { emptyLineRule } from './empty-line.js';
import { authSuccessIgnoredRule } from './auth-success-ignored.js';
import { authRetryAfterSuccessRule } from './auth-retry-after-success.js';
import { commandBeforeAuthResultRule } from './command-before-auth-result.js';
import { digestFinalResponseMissingRule } from './digest-final-response-missing.js';
import { saslIrUnadvertisedRule } from './sasl-ir-unadvertised.js';
import { loginPromptMismatchRule } from './login-prompt-mismatch.js';
import { authFailedRule } from './auth-failed.js';
import { authNotCheckedRule } from './auth-not-checked.js';
import { cleartextPasswordRule } from './cleartext-password.js';
import { noMailboxSelectedRule } from './no-mailbox-selected.js';
import { fullBodyDownloadRule } from './full-body-download.js';
import { slowClientGapRule } from './slow-client-gap.js';
import { protocolViolationRule } from './protocol-violation.js';
import { tlsHandshakeFailedRule } from './tls-handshake-failed.js';
import { tlsNoCommandRule } from './tls-no-command.js';
import { legacyTlsOnlyRule } from './legacy-tls-only.js';
import { certFetchedRule } from './cert-fetched.js';
import { certFormatRejectedRule } from './cert-format-rejected.js';

export type { Rule, RuleHost } from './types.js';

/** Fresh rule instances (rules keep state: one set per diagnosis). */
export function createRules(): Rule[] {
  return [
    emptyLineAfterAuthRule(),
    emptyLineRule(),
    authSuccessIgnoredRule(),
    authRetryAfterSuccessRule(),
    commandBeforeAuthResultRule(),
    digestFinalResponseMissingRule(),
    saslIrUnadvertisedRule(),
    loginPromptMismatchRule(),
    authFailedRule(),
    authNotCheckedRule(),
    cleartextPasswordRule(),
    noMailboxSelectedRule(),
    fullBodyDownloadRule(),
    slowClientGapRule(),
    protocolViolationRule(),
    tlsHandshakeFailedRule(),
    tlsNoCommandRule(),
    legacyTlsOnlyRule(),
    certFetchedRule(),
    certFormatRejectedRule(),
  ];
}
