/**
 * A session's view of its selected mailbox (RFC 3501 §2.3.1.2, §7.4.1): sequence numbers are
 * positions in this view, which changes only when the session tells the client (EXISTS,
 * EXPUNGE). Other sessions' changes are found by comparing with the store at sync points.
 */
import { StoreError, type MailStoreApi, type StoredMessage } from '../mailbox/types.js';
import { SequenceSet } from './seqset.js';

export interface ViewEntry {
  seq: number;
  msg: StoredMessage;
}

export function flagsText(msg: StoredMessage): string {
  return `(${[...msg.flags].join(' ')})`;
}

export class MailboxView {
  uids: number[] = [];
  private flagSnap = new Map<number, string>();

  constructor(private readonly store: MailStoreApi, readonly name: string, readonly readOnly: boolean) {
    for (const m of store.messages(name)) {
      this.uids.push(m.uid);
      this.flagSnap.set(m.uid, flagsText(m));
    }
  }

  get count(): number {
    return this.uids.length;
  }

  /** The store's messages by UID (the view may lag behind the store). */
  private current(): Map<number, StoredMessage> {
    const map = new Map<number, StoredMessage>();
    let msgs: readonly StoredMessage[] = [];
    try {
      msgs = this.store.messages(this.name);
    } catch (err) {
      // Another session deleted the mailbox: to this view, every message is gone.
      if (!(err instanceof StoreError)) throw err;
    }
    for (const m of msgs) map.set(m.uid, m);
    return map;
  }

  /** Messages named by a sequence set (of sequence numbers, or UIDs when `uid`), in view order. */
  resolve(setText: string, uid: boolean): ViewEntry[] {
    const cur = this.current();
    const out: ViewEntry[] = [];
    if (uid) {
      const max = this.uids.length ? this.uids[this.uids.length - 1] : 0;
      const set = SequenceSet.parse(setText, max);
      this.uids.forEach((u, i) => {
        const msg = cur.get(u);
        if (msg && set.has(u)) out.push({ seq: i + 1, msg });
      });
    } else {
      const set = SequenceSet.parse(setText, this.uids.length);
      this.uids.forEach((u, i) => {
        const msg = cur.get(u);
        if (msg && set.has(i + 1)) out.push({ seq: i + 1, msg });
      });
    }
    return out;
  }

  all(): ViewEntry[] {
    const cur = this.current();
    const out: ViewEntry[] = [];
    this.uids.forEach((u, i) => {
      const msg = cur.get(u);
      if (msg) out.push({ seq: i + 1, msg });
    });
    return out;
  }

  seqOf(uid: number): number {
    return this.uids.indexOf(uid) + 1;
  }

  /** The session told the client about these flags itself (STORE, FETCH setting \Seen). */
  noteFlags(msg: StoredMessage): void {
    this.flagSnap.set(msg.uid, flagsText(msg));
  }

  /** The session expunged these UIDs and will send the EXPUNGE responses: returns their sequence numbers in sending order. */
  removeUids(uids: number[]): number[] {
    const seqs: number[] = [];
    for (const uid of uids) {
      const i = this.uids.indexOf(uid);
      if (i < 0) continue;
      seqs.push(i + 1);
      this.uids.splice(i, 1);
      this.flagSnap.delete(uid);
    }
    return seqs;
  }

  /**
   * Bring the view up to date and return the untagged responses that tell the client.
   * EXPUNGE may not be sent during FETCH, STORE or SEARCH (RFC 3501 §7.4.1): `allowExpunge`.
   */
  sync(allowExpunge: boolean): string[] {
    const lines: string[] = [];
    const cur = this.current();
    if (allowExpunge) {
      for (let i = this.uids.length - 1; i >= 0; i--) {
        if (!cur.has(this.uids[i])) {
          lines.push(`${i + 1} EXPUNGE`);
          this.flagSnap.delete(this.uids[i]);
          this.uids.splice(i, 1);
        }
      }
    }
    this.uids.forEach((u, i) => {
      const msg = cur.get(u);
      if (!msg) return;
      const f = flagsText(msg);
      if (this.flagSnap.get(u) !== f) {
        this.flagSnap.set(u, f);
        lines.push(`${i + 1} FETCH (FLAGS ${f})`);
      }
    });
    const known = new Set(this.uids);
    let added = false;
    for (const m of cur.values()) {
      if (!known.has(m.uid)) {
        this.uids.push(m.uid);
        this.flagSnap.set(m.uid, flagsText(m));
        added = true;
      }
    }
    if (added) {
      this.uids.sort((a, b) => a - b);
      lines.push(`${this.uids.length} EXISTS`);
    }
    return lines;
  }
}
