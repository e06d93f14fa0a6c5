/** Device identification: User-Agent (hand-off page) and IMAP ID (RFC 2971) → DeviceInfo. */
export { deviceFromUserAgent, MAX_USER_AGENT_CHARS } from './user-agent.js';
export { deviceFromImapId, MAX_ID_VALUE_CHARS } from './imap-id.js';
