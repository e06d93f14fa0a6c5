/**
 * What every protocol's attempt tracker shares: one attempt per connection, listed in arrival
 * order, rebuilt one by one as they change, so a live timeline asking after every event pays
 * for what changed, not for every connection of the session. Treat results as read-only.
 */
import type { Attempt } from '../../api.js';

export interface TrackedAttempt {
  conn: string;
  end?: string;
  closed: boolean;
  /** Some of its bytes are known only by their size (encrypted in a capture, or not recorded). */
  opaque: boolean;
  /** Index in the tracker's snapshot. */
  index: number;
  dirty: boolean;
}

export abstract class AttemptSnapshots<S extends TrackedAttempt> {
  protected readonly byConn = new Map<string, S>();
  protected readonly order: S[] = [];
  private readonly snapshot: Attempt[] = [];
  private readonly changed: S[] = [];

  protected abstract build(a: S): Attempt;

  protected dirty(a: S): void {
    if (a.dirty) return;
    a.dirty = true;
    this.changed.push(a);
  }

  /** Start tracking a new attempt (its `index` must be `this.order.length`). */
  protected add(a: S): void {
    this.byConn.set(a.conn, a);
    this.order.push(a);
    this.snapshot.push(undefined as unknown as Attempt);
    this.dirty(a);
  }

  /** Some attempt's bytes could not be read. */
  get anyOpaque(): boolean {
    return this.order.some((a) => a.opaque);
  }

  touch(conn: string, t: string): void {
    const a = this.byConn.get(conn);
    if (a && !a.closed) {
      a.end = t;
      this.dirty(a);
    }
  }

  /** The attempts so far; an attempt that did not change since the last call is the same object as before. */
  result(): Attempt[] {
    for (const a of this.changed) {
      this.snapshot[a.index] = this.build(a);
      a.dirty = false;
    }
    this.changed.length = 0;
    return this.snapshot.slice();
  }
}
