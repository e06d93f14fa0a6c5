/**
 * Security policy shared by both ways the wizard is shown: the Content-Security-Policy (the
 * Electron window and the control server send the same one; renderer/index.html carries it as a
 * meta tag) and the loopback checks of browser mode. Plain data and pure functions so tests can
 * check them without Electron or a socket.
 */

const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // QR codes are SVG data URLs made by the engine; nothing is fetched from elsewhere.
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

/** As a <meta http-equiv> tag: frame-ancestors is not allowed there (browsers log an error). */
export const CSP_META = DIRECTIVES.join('; ');
/** As an HTTP header (control server) or a session response header (Electron). */
export const CSP_HEADER = [...DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** The header carrying the per-run token on API requests. */
export const TOKEN_HEADER = 'x-mailprobe-token';
/** Random bytes in a browser-mode token. */
export const TOKEN_BYTES = 32;

/** Host header values a loopback page may send: anything else is DNS rebinding. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

export type RequestVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * The checks every control request passes before anything else. `needsToken` is false only for
 * the static files of the page itself (public build output, no data).
 */
export function checkRequest(
  req: { host?: string; origin?: string; token?: string },
  port: number,
  expectedToken: string,
  needsToken: boolean,
  tokenEquals: (a: string, b: string) => boolean,
): RequestVerdict {
  const host = (req.host ?? '').toLowerCase();
  if (!allowedHosts(port).includes(host)) return { ok: false, status: 403, reason: 'foreign Host header' };
  // Browsers send Origin on cross-origin requests and on every POST; a foreign one is another site.
  if (req.origin !== undefined && !allowedOrigins(port).includes(req.origin.toLowerCase())) {
    return { ok: false, status: 403, reason: 'foreign Origin header' };
  }
  if (needsToken && (req.token === undefined || !tokenEquals(req.token, expectedToken))) {
    return { ok: false, status: 401, reason: req.token === undefined ? 'missing token' : 'wrong token' };
  }
  return { ok: true };
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}
