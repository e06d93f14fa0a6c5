/**
 * The session as the wizard holds it: every event, an index by connection, the engine's latest
 * diagnosis and lab status. Stream messages are queued and applied once per animation frame, so
 * a burst of thousands of events costs one render, not thousands (smooth at 50,000).
 */
import type { ApiStreamMessage, Diagnosis, HttpRequestEvent, LabEvent, LabStatus, MailboxIndexingEvent } from '../../../electron/api';
import { rowsFor, type Row } from './transcript';
import { MessageCapture } from './messages';

const EMPTY: Diagnosis = { verdict: 'inconclusive', directions: { receiving: 'untested', sending: 'untested' }, attempts: [], findings: [] };

export interface CertFetch {
  seq: number;
  t: string;
  served: string;
  device?: HttpRequestEvent['device'];
  userAgent?: string;
}

export class SessionStore {
  events: LabEvent[] = [];
  /** The messages the phone sent (SMTP), as the lab captured them. */
  messages = new MessageCapture();
  /** Transcript rows, all and per connection (a key for every connection seen). */
  rows: Row[] = [];
  rowsByConn = new Map<string, Row[]>();
  /** Connections that opened on a mail port (not the hand-off page, not the wizard). */
  phoneConnections = 0;
  /** Connections the lab has seen close: an attempt on one of them has ended. */
  readonly closedConns = new Set<string>();
  /** The technician's mailbox being indexed (--mailbox): the latest progress event, and when indexing began. */
  indexing: { latest: MailboxIndexingEvent; since: string } | undefined;
  diagnosis: Diagnosis = EMPTY;
  status: LabStatus | undefined;
  /** The first hand-off page visit that identified the phone's model, else the first visit. */
  handoffVisit: HttpRequestEvent | undefined;
  certFetch: CertFetch | undefined;
  /** Seqs applied: an event that arrives twice is added once. */
  private seqs = new Set<number>();
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
        this.messages = new MessageCapture();
        this.seqs = new Set();
        this.rows = [];
        this.rowsByConn = new Map();
        this.phoneConnections = 0;
        this.closedConns.clear();
        this.diagnosis = EMPTY;
        this.handoffVisit = undefined;
        this.certFetch = undefined;
        this.indexing = undefined;
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
    if (this.seqs.has(ev.seq)) return;
    this.seqs.add(ev.seq);
    const i = this.events.length;
    this.events.push(ev);
    const start = this.rows.length;
    rowsFor(ev, i, this.rows);
    if (ev.conn) {
      let rows = this.rowsByConn.get(ev.conn);
      if (!rows) {
        this.rowsByConn.set(ev.conn, (rows = []));
        // A connection's first event: counted when it is the phone opening a mail port.
        if (ev.kind === 'conn.open' && ev.proto !== 'http' && ev.proto !== 'ui') this.phoneConnections++;
      }
      for (let r = start; r < this.rows.length; r++) rows.push(this.rows[r]);
    }
    this.messages.add(ev);
    if (ev.kind === 'conn.close') this.closedConns.add(ev.conn);
    if (ev.kind === 'mailbox.indexing') this.indexing = { latest: ev, since: this.indexing?.since ?? ev.t };
    if (ev.kind === 'http.request') {
      if (!this.handoffVisit || (!this.handoffVisit.device?.model && ev.device?.model)) this.handoffVisit = ev;
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
