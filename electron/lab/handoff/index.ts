/**
 * The CA certificate hand-off: a tiny HTTP server on the LAN address, its page, the
 * choice of that address, and QR codes of its URL for the laptop screen.
 */
export {
  startHandoffServer,
  handoffUrl,
  HANDOFF_DEFAULT_PORT,
  MAX_HEADER_BYTES,
  HEADERS_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  TIMEOUT_CHECK_INTERVAL_MS,
  MAX_CONNECTIONS,
  MAX_REQUESTS_PER_SOCKET,
  MAX_RECORDED_PATH_CHARS,
  DEFAULT_HANDOFF_LIMITS,
  CA_CERT_CONTENT_TYPE,
  ALLOWED_METHODS,
} from './server.js';
export type { HandoffServer, HandoffServerOptions, HandoffLimits, ServedName } from './server.js';
export { renderPage, shortFingerprint, DEFAULT_LAB_NAME } from './page.js';
export type { HandoffSettings } from './page.js';
export { chooseLanAddress, listInterfaces, defaultRouteInterfaces, isPrivateIPv4, LOOPBACK_FALLBACK } from './address.js';
export type { InterfaceAddress, InterfaceKind, LanAddressChoice, AddressSources } from './address.js';
export { qrTerminal, qrPng, qrSvg, qrMatrix, QR_QUIET_ZONE } from './qr.js';
