/** The full transcript, bounded: past MAX_APPENDIX_PAGES it stops with a note that says so. */
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { drawLines } from './lines.js';

/** Pages of transcript at most; a session of 100,000 events must not become a 3,000-page PDF. */
export const MAX_APPENDIX_PAGES = 40;

export function drawAppendix(ctx: ReportContext, maxPages = MAX_APPENDIX_PAGES): { linesShown: number; truncated: boolean } {
  const { w } = ctx;
  w.newPage();
  w.heading('7. Appendix: full transcript');
  w.para(`Every recorded event of the session, in order. "phone" lines are what the phone sent, "lab" lines what the lab answered, "·" lines are what the lab noticed. ⏎ marks an empty line; ↪ continues a long line.${ctx.redacted ? ' Passwords and login data are shown as ‹redacted›.' : ' This copy is NOT redacted.'}`, { size: 8.5, color: COLOR.muted, gapAfter: 8 });
  let pages = 1;
  const lines = ctx.lines;
  const noteH = 40;
  // On the last allowed page, keep room at the bottom for the note that says the transcript was cut.
  const page = () => w.doc.page;
  const reserve = () => {
    if (pages === maxPages) page().margins.bottom += noteH;
  };
  reserve();
  const drawn = drawLines(w, lines, {
    size: 7.2,
    emphasise: ctx.cited,
    mayAddPage: () => {
      if (pages >= maxPages) return false;
      pages += 1;
      return true;
    },
    onNewPage: reserve,
  });
  if (pages === maxPages) page().margins.bottom -= noteH;
  if (drawn >= lines.length) return { linesShown: drawn, truncated: false };
  const lastSeq = drawn > 0 ? lines[drawn - 1].seq : 0;
  const totalEvents = ctx.events.length;
  const lastShownEvent = ctx.events.findIndex((e) => e.seq === lastSeq) + 1;
  const y = w.y + 4;
  w.box(w.x0, y, w.width, noteH - 6, COLOR.warnBg, COLOR.warn);
  w.at(`⚠ Transcript cut here: the appendix is limited to ${maxPages} pages.`, w.x0 + 10, y + 6, { size: 9, font: 'bold', color: COLOR.warn, width: w.width - 20 });
  w.at(`Shown: events 1 to ${lastShownEvent.toLocaleString('en-US')} of ${totalEvents.toLocaleString('en-US')} (up to #${lastSeq}). The complete record is the session's events.jsonl file.`, w.x0 + 10, y + 20, { size: 8.5, width: w.width - 20 });
  w.y = y + noteH;
  return { linesShown: drawn, truncated: true };
}
