/** What every section of the report reads: the prepared events, their lines, the diagnosis. */
import type { DeviceInfo, Diagnosis, LabEvent } from '../../api.js';
import type { Writer, Paper } from './pdf.js';
import { eventLines, type TranscriptLine } from './transcript.js';

export interface ReportInput {
  events: LabEvent[];
  diagnosis?: Diagnosis;
  includeSecrets?: boolean;
  technician?: string;
  ticket?: string;
  paper?: Paper;
  certs?: { caSha1: string; caSha256: string };
  handoffUrl?: string;
}

export interface ReportContext {
  w: Writer;
  input: ReportInput;
  /** Prepared (redacted unless secrets were asked for) events, in seq order. */
  events: LabEvent[];
  lines: TranscriptLine[];
  linesBySeq: Map<number, TranscriptLine[]>;
  eventsByConn: Map<string, LabEvent[]>;
  diagnosis: Diagnosis;
  /** Set when the diagnosis could not be computed and a minimal one stands in. */
  diagnosisError?: string;
  device?: DeviceInfo;
  redacted: boolean;
  password?: string;
  /** seq → the finding ids that cite it. */
  cited: Map<number, string[]>;
  startMs: number;
  endMs: number;
}

export function indexEvents(events: LabEvent[], password?: string) {
  const lines: TranscriptLine[] = [];
  const linesBySeq = new Map<number, TranscriptLine[]>();
  const eventsByConn = new Map<string, LabEvent[]>();
  for (const ev of events) {
    const ls = eventLines(ev, password);
    for (const l of ls) lines.push(l);
    linesBySeq.set(ev.seq, ls);
    if (ev.conn) {
      let list = eventsByConn.get(ev.conn);
      if (!list) eventsByConn.set(ev.conn, (list = []));
      list.push(ev);
    }
  }
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const ev of events) {
    const ms = Date.parse(ev.t);
    if (!Number.isFinite(ms)) continue;
    if (ms < startMs) startMs = ms;
    if (ms > endMs) endMs = ms;
  }
  if (!Number.isFinite(startMs)) startMs = endMs = Date.now();
  return { lines, linesBySeq, eventsByConn, startMs, endMs };
}
