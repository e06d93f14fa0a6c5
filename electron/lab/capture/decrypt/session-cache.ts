/**
 * Master secrets of full handshakes seen earlier in the same capture, so an abbreviated
 * handshake (RFC 5246 §7.3 session ID; RFC 5077 §3.4 ticket) that reuses one can be read too.
 */
export const MAX_CACHED_SESSIONS = 10_000;

export interface CachedSession {
  master: Buffer;
  version: number;
  suiteId: number;
  extendedMasterSecret: boolean;
}

export class SessionCache {
  private readonly map = new Map<string, CachedSession>();

  constructor(private readonly limit = MAX_CACHED_SESSIONS) {}

  private put(key: string, s: CachedSession): void {
    this.map.delete(key);
    this.map.set(key, s);
    // Oldest first out: a capture's resumptions follow their full handshakes closely.
    while (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }

  rememberId(sessionId: Buffer, s: CachedSession): void {
    if (sessionId.length > 0) this.put(`id:${sessionId.toString('hex')}`, s);
  }

  rememberTicket(ticket: Buffer, s: CachedSession): void {
    if (ticket.length > 0) this.put(`ticket:${ticket.toString('hex')}`, s);
  }

  byId(sessionId: Buffer): CachedSession | undefined {
    return sessionId.length > 0 ? this.map.get(`id:${sessionId.toString('hex')}`) : undefined;
  }

  byTicket(ticket: Buffer): CachedSession | undefined {
    return ticket.length > 0 ? this.map.get(`ticket:${ticket.toString('hex')}`) : undefined;
  }

  get size(): number {
    return this.map.size;
  }
}
