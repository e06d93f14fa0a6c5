/**
 * The session as the wizard holds it: every event, an index by connection, the engine's latest
 * diagnosis and lab status. Stream messages are queued and applied once per animation frame, so
 * a burst of thousands of events costs one render, not thousands (issue 6: smooth at 50,000).
 */
import type { ApiStreamMessage, Diagnosis, HttpRequestEvent, LabEvent, LabStatus } from '../../../electron/api';
import { rowsFor, type Row } from './transcript';

const EMPTY: Diagnosis = { verdict: 'inconclusive', attempts: [], findings: [] };

export interface CertFetch {
  seq: number;
  t: string;
  served: string;
  device?: HttpRequestEvent['device'];
  userAgent?: string;
}

export class SessionStore {
  events: LabEvent[] = [];
  /** Indices into `events` per connection id. */
  byConn = new Map<string, number[]>();
  /** Transcript rows, all and per connection. */
  rows: Row[] = [];
  rowsByConn = new Map<string, Row[]>();
  /** seq → index, for evidence links. */
  bySeq = new Map<number, number>();
  diagnosis: Diagnosis = EMPTY;
  status: LabStatus | undefined;
  /** Hand-off page visits and certificate downloads, in order. */
  handoff: HttpRequestEvent[] = [];
  certFetch: CertFetch | undefined;
  /** Bumped on every applied batch; React re-renders on change. */
  version = 0;
  private queue: ApiStreamMessage[] = [];
  private scheduled = false;
  private listeners = new Set<() => void>();

  constructor(private readonly schedule: (fn: () => void) => void = defaultSchedule) {}

  /** Take a stream message; it is applied on the next frame. */
  push = (msg: ApiStreamMessage): void => {
    this.queue.push(msg);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.flush);
    }
  };

  /** Apply everything queued now (tests call this directly). */
  flush = (): void => {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const q = this.queue;
    this.queue = [];
    for (const msg of q) this.apply(msg);
    this.version += 1;
    this.listeners.forEach((fn) => fn());
  };

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  private apply(msg: ApiStreamMessage): void {
    switch (msg.type) {
      case 'reset':
        this.events = [];
        this.byConn = new Map();
        this.bySeq = new Map();
        this.rows = [];
        this.rowsByConn = new Map();
        this.diagnosis = EMPTY;
        this.handoff = [];
        this.certFetch = undefined;
        this.status = msg.status;
        break;
      case 'status':
        this.status = msg.status;
        break;
      case 'diagnosis':
        this.diagnosis = msg.diagnosis;
        break;
      case 'events':
        for (const ev of msg.events) this.add(ev);
        if (this.status) this.status = { ...this.status, eventCount: this.events.length };
        break;
    }
  }

  private add(ev: LabEvent): void {
    if (this.bySeq.has(ev.seq)) return;
    const i = this.events.length;
    this.events.push(ev);
    this.bySeq.set(ev.seq, i);
    if (ev.conn) {
      let list = this.byConn.get(ev.conn);
      if (!list) this.byConn.set(ev.conn, (list = []));
      list.push(i);
    }
    const start = this.rows.length;
    rowsFor(ev, i, this.rows);
    if (ev.conn) {
      let rows = this.rowsByConn.get(ev.conn);
      if (!rows) this.rowsByConn.set(ev.conn, (rows = []));
      for (let r = start; r < this.rows.length; r++) rows.push(this.rows[r]);
    }
    if (ev.kind === 'http.request') {
      this.handoff.push(ev);
      if (!this.certFetch && ev.status < 400 && (ev.served === 'ca.crt' || ev.served === 'ca.cer')) {
        this.certFetch = { seq: ev.seq, t: ev.t, served: ev.served, device: ev.device, userAgent: ev.userAgent };
      }
    }
  }
}

function defaultSchedule(fn: () => void): void {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState !== 'hidden') {
    requestAnimationFrame(() => fn());
  } else {
    setTimeout(fn, 16); // a hidden tab gets no frames but must not pile up messages
  }
}
