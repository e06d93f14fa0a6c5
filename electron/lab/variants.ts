/**
 * Server variants (`mailprobe lab --variants auto`): the lab changes its own behaviour from one
 * connection of the same phone to the next, while the phone's settings stay as they are. Phones
 * retry on every "Retrieve", and their "Automatic" login choices pick from what the server
 * offers, so a technician can find a server behaviour that works without retyping anything.
 *
 * The order (documented in docs and the diagnosis README; each step changes one thing from the
 * lab's configured behaviour):
 *   v1  as configured
 *   v2  without DIGEST-MD5                       (Automatic phones try DIGEST-MD5 first: seed)
 *   v3  without CRAM-MD5
 *   v4  no SASL mechanisms: only the LOGIN command (the seed's 6233 works with LOGIN)
 *   v5  empty line after login ignored (lenient)  (seed: the 6233's stray CRLF after CRAM-MD5)
 *   v6  LOGINDISABLED toggled                     (Symbian aborts when it is advertised)
 * Variants that would change nothing (a mechanism already off, lenient already on) are left out.
 * Once a connection from an address gets through login into a mailbox, every later connection
 * from that address keeps the variant that worked; until then the list is cycled.
 */
import type { SaslMechanismName } from './sasl/types.js';

export type VariantMode = 'off' | 'auto';

export interface ImapBehaviour {
  mechanisms: SaslMechanismName[];
  emptyLine: 'strict' | 'lenient';
  loginDisabledWithoutTls: boolean;
}

export interface ServerVariant {
  id: string;
  /** In words, with the facts the resolution reads back ("mechanisms: PLAIN LOGIN"). */
  label: string;
  imap: ImapBehaviour;
}

function mechanismsLabel(m: readonly string[]): string {
  return `mechanisms: ${m.length ? m.join(' ') : 'none'}`;
}

/** The variants for an IMAP lab configured with `base`, in the documented order. */
export function imapVariants(configured: ImapBehaviour): ServerVariant[] {
  // Only the behaviour: a variant's fields replace the server's options for one connection.
  const base: ImapBehaviour = { mechanisms: [...configured.mechanisms], emptyLine: configured.emptyLine, loginDisabledWithoutTls: configured.loginDisabledWithoutTls };
  const out: ServerVariant[] = [];
  const add = (label: string, imap: ImapBehaviour) => out.push({ id: `v${out.length + 1}`, label, imap });
  add(`as configured (${mechanismsLabel(base.mechanisms)}; empty line: ${base.emptyLine})`, base);
  const without = (m: SaslMechanismName) => base.mechanisms.filter((x) => x !== m);
  if (base.mechanisms.includes('DIGEST-MD5')) add(`without DIGEST-MD5 (${mechanismsLabel(without('DIGEST-MD5'))})`, { ...base, mechanisms: without('DIGEST-MD5') });
  if (base.mechanisms.includes('CRAM-MD5')) add(`without CRAM-MD5 (${mechanismsLabel(without('CRAM-MD5'))})`, { ...base, mechanisms: without('CRAM-MD5') });
  if (base.mechanisms.length > 0) add(`only the LOGIN command (${mechanismsLabel([])})`, { ...base, mechanisms: [] });
  if (base.emptyLine === 'strict') add('empty line: lenient (a stray empty line is ignored)', { ...base, emptyLine: 'lenient' });
  add(`LOGINDISABLED ${base.loginDisabledWithoutTls ? 'off' : 'on'} before TLS`, { ...base, loginDisabledWithoutTls: !base.loginDisabledWithoutTls });
  return out;
}

/** Remote addresses tracked at most (a LAN has a few phones; a scan must not grow this without bound). */
export const MAX_VARIANT_CLIENTS = 256;

interface ClientState {
  next: number;
  worked: ServerVariant | null;
}

/** Which variant each new connection from an address gets. */
export class VariantRotation {
  private readonly clients = new Map<string, ClientState>();

  constructor(readonly variants: readonly ServerVariant[]) {
    if (variants.length === 0) throw new Error('VariantRotation needs at least one variant');
  }

  /** The variant for a new connection from `address` (an IP, without the port). */
  pick(address: string): ServerVariant {
    let c = this.clients.get(address);
    if (!c) {
      if (this.clients.size >= MAX_VARIANT_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
      c = { next: 0, worked: null };
      this.clients.set(address, c);
    }
    if (c.worked) return c.worked;
    const v = this.variants[c.next % this.variants.length];
    c.next++;
    return v;
  }

  /** A connection from `address` with `variantId` got through login into a mailbox: keep it. */
  worked(address: string, variantId: string): void {
    const c = this.clients.get(address);
    const v = this.variants.find((x) => x.id === variantId);
    if (c && v && !c.worked) c.worked = v;
  }

  /** The variant that works for `address`, if one did. */
  working(address: string): ServerVariant | null {
    return this.clients.get(address)?.worked ?? null;
  }
}
