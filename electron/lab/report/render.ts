/**
 * renderReport: events (+ diagnosis) → the PDF a technician hands to the customer.
 * Pure over its input (no file reads but the fonts), so the wizard's export, the CLI and the
 * tests all produce the same document from the same session.
 */
import type { Diagnosis, LabEvent } from '../../api.js';
import { diagnose } from '../diagnosis/index.js';
import { defaultProfilesDir } from '../package-root.js';
import { loadProfiles } from '../profiles/index.js';
import { indexEvents, type ReportContext, type ReportInput } from './context.js';
import { minimalDiagnosis } from './fallback.js';
import { Writer } from './pdf.js';
import { prepareEvents } from './secrets.js';
import { drawServerSide } from './sections/answer.js';
import { drawAppendix } from './sections/appendix.js';
import { drawCerts } from './sections/certs.js';
import { drawCover } from './sections/cover.js';
import { drawFindings } from './sections/findings.js';
import { drawMatrix } from './sections/matrix.js';
import { drawSummary } from './sections/summary.js';
import { drawTimelines } from './sections/timeline.js';
import { drawTls } from './sections/tls.js';
import { VERDICT_WORDS, deviceName, deviceOf, longDate } from './words.js';

export type RenderReportInput = ReportInput;

export interface BuiltReport {
  pdf: Buffer;
  pages: number;
  appendixTruncated: boolean;
  redacted: boolean;
}

/** The diagnosis to show: the caller's, else computed; a crash in the rules must not cost the report. */
function diagnosisFor(input: ReportInput, events: readonly LabEvent[]): { diagnosis: Diagnosis; error?: string } {
  if (input.diagnosis) return { diagnosis: input.diagnosis };
  try {
    return { diagnosis: diagnose(events, { profiles: loadProfiles(defaultProfilesDir()) }) };
  } catch (err) {
    return { diagnosis: minimalDiagnosis(events), error: (err as Error).message || String(err) };
  }
}

export async function buildReport(input: ReportInput): Promise<BuiltReport> {
  const raw = [...input.events].sort((a, b) => a.seq - b.seq);
  // The rules see the events as recorded; only what is drawn is redacted.
  const { diagnosis, error } = diagnosisFor(input, raw);
  const includeSecrets = input.includeSecrets === true;
  const prepared = prepareEvents(raw, includeSecrets);
  const device = deviceOf(diagnosis, raw);
  const idx = indexEvents(prepared.events, prepared.password);

  const verdict = VERDICT_WORDS[diagnosis.verdict];
  const w = new Writer({
    paper: input.paper ?? 'A4',
    scrub: prepared.scrub,
    title: `Mail check report: ${deviceName(device)} (${verdict.word})`,
    author: input.technician,
    subject: input.ticket ? `Ticket ${input.ticket}` : undefined,
  });
  const cited = new Map<number, string[]>();
  for (const f of diagnosis.findings) {
    for (const seq of f.evidence) {
      const list = cited.get(seq) ?? [];
      list.push(f.id);
      cited.set(seq, list);
    }
  }
  const ctx: ReportContext = {
    w,
    input,
    events: prepared.events,
    ...idx,
    diagnosis,
    diagnosisError: error,
    device,
    redacted: prepared.redacted,
    password: prepared.password,
    cited,
  };

  drawCover(ctx);
  drawSummary(ctx);
  drawServerSide(ctx);
  drawMatrix(ctx);
  drawFindings(ctx);
  drawTimelines(ctx);
  drawTls(ctx);
  await drawCerts(ctx);
  const appendix = drawAppendix(ctx);

  const header = `Mail check report · ${deviceName(device)}${device?.firmware ? ` (firmware ${device.firmware})` : ''} · ${longDate(idx.startMs)}${input.ticket ? ` · ticket ${input.ticket}` : ''}`;
  const footer = `${verdict.mark} ${verdict.word} · ${prepared.redacted ? 'Redacted: passwords hidden' : '⚠ NOT REDACTED: contains passwords'} · Mailprobe`;
  w.decorate(header, footer);
  const pages = w.pageCount();
  const pdf = await w.finish();
  return { pdf, pages, appendixTruncated: appendix.truncated, redacted: prepared.redacted };
}

/** The API the wizard's export calls. */
export async function renderReport(input: ReportInput): Promise<Buffer> {
  return (await buildReport(input)).pdf;
}
