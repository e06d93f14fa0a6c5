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
import { smtpNoAuthRule } from './smtp-no-auth.js';
import { smtpAuthFailedRule } from './smtp-auth-failed.js';
import { smtpAuthBeforeEhloRule } from './smtp-auth-before-ehlo.js';
import { smtpBareLfRule } from './smtp-bare-lf.js';
import { smtpMailFromSyntaxRule } from './smtp-mail-from-syntax.js';
import { smtpPipeliningUnadvertisedRule } from './smtp-pipelining-unadvertised.js';
import { smtp8bitWithout8bitmimeRule } from './smtp-8bit-without-8bitmime.js';
import { smtpAuthWithoutTlsRefusedRule } from './smtp-auth-without-tls-refused.js';
import { smtpMessageTooLargeRule } from './smtp-message-too-large.js';
import { smtpDataIncompleteRule } from './smtp-data-incomplete.js';
import { pop3NoUidlRule } from './pop3-no-uidl.js';
import { pop3StaleMessageNumberRule } from './pop3-stale-message-number.js';
import { pop3DeleteWithoutQuitRule } from './pop3-delete-without-quit.js';
import { pop3AuthFailedRule } from './pop3-auth-failed.js';
import { pop3ApopUnsupportedRule } from './pop3-apop-unsupported.js';

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
    smtpNoAuthRule(),
    smtpAuthFailedRule(),
    smtpAuthBeforeEhloRule(),
    smtpBareLfRule(),
    smtpMailFromSyntaxRule(),
    smtpPipeliningUnadvertisedRule(),
    smtp8bitWithout8bitmimeRule(),
    smtpAuthWithoutTlsRefusedRule(),
    smtpMessageTooLargeRule(),
    smtpDataIncompleteRule(),
    pop3NoUidlRule(),
    pop3StaleMessageNumberRule(),
    pop3DeleteWithoutQuitRule(),
    pop3AuthFailedRule(),
    pop3ApopUnsupportedRule(),
  ];
}
