/** Security × mechanism → works / fails, then every attempt with its steps. */
import type { Attempt, StepName } from '../../../api.js';
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { RESULT_MARK, RESULT_WORD, SECURITY_WORDS, STEP_WORDS, failureWords, firstFailure, mechanismWords, securityWords } from '../words.js';
import { clock } from '../transcript.js';
import { omittedWords, rangeWords, selectAttempts } from '../select.js';

/**
 * Rows of the step-by-step table. A phone that polled 800 times shows, chosen by
 * `selectAttempts`, the first try of each configuration and the latest ones, and says which
 * attempts are not listed (all are counted in the grid).
 */
export const MAX_ATTEMPT_ROWS = 30;

export interface MatrixCell {
  attempts: Attempt[];
  pass: number;
  fail: number;
}

export function buildMatrix(attempts: readonly Attempt[]) {
  const securities = (['none', 'starttls', 'tls'] as const).filter((s) => attempts.some((a) => a.security === s));
  const mechanisms: string[] = [];
  for (const a of attempts) {
    const m = mechanismWords(a.mechanism);
    if (!mechanisms.includes(m)) mechanisms.push(m);
  }
  const cells = new Map<string, MatrixCell>();
  for (const a of attempts) {
    const key = `${a.security}|${mechanismWords(a.mechanism)}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { attempts: [], pass: 0, fail: 0 }));
    c.attempts.push(a);
    if (a.verdict === 'pass') c.pass += 1;
    else c.fail += 1;
  }
  return { securities, mechanisms, cells };
}

/** The words of a cell: mark, word, and the reason when it failed. */
export function cellWords(c: MatrixCell | undefined): { mark: string; word: string; why?: string; color: string; bg: string } {
  if (!c) return { mark: '–', word: 'not tried', color: COLOR.muted, bg: '#ffffff' };
  const n = c.attempts.length;
  const tries = n > 1 ? `${n.toLocaleString('en-US')} tries` : undefined;
  if (c.fail === 0) return { mark: '✓', word: 'works', why: tries, color: COLOR.pass, bg: COLOR.passBg };
  const reasons = [...new Set(c.attempts.filter((a) => a.verdict === 'fail').map((a) => firstFailure(a)).filter((f) => f).map((f) => failureWords(f!, true)))];
  const word = c.pass > 0 ? `fails ${c.fail} of ${n}` : 'fails';
  const why = [c.pass > 0 ? undefined : tries, ...reasons].filter(Boolean).join('\n');
  return { mark: '✗', word, why: why || undefined, color: COLOR.fail, bg: COLOR.failBg };
}

function drawGrid(ctx: ReportContext, attempts: readonly Attempt[]): void {
  const { w } = ctx;
  const { securities, mechanisms, cells } = buildMatrix(attempts);
  const headW = 118;
  const colW = Math.min(130, (w.width - headW) / Math.max(1, mechanisms.length));
  const headH = 26;
  const rowH = 46;
  const size = mechanisms.length > 4 ? 8 : 9.5;
  w.ensure(headH + rowH * securities.length + 10);
  let y = w.y;
  w.box(w.x0, y, headW + colW * mechanisms.length, headH, COLOR.band, undefined, 0);
  w.at('Encryption / login', w.x0 + 6, y + 8, { size: 8.5, color: COLOR.muted, width: headW - 10 });
  mechanisms.forEach((m, i) => w.at(m, w.x0 + headW + i * colW + 6, y + 8, { size, font: 'bold', width: colW - 10 }));
  y += headH;
  for (const s of securities) {
    w.at(SECURITY_WORDS[s], w.x0 + 6, y + 10, { size: 9.5, font: 'bold', width: headW - 10 });
    const proto = attempts.find((a) => a.security === s)?.proto ?? 'imap';
    w.at(securityWords({ security: s, proto }).replace(/^.*\(/, '(').replace(')', ')'), w.x0 + 6, y + 24, { size: 8, color: COLOR.muted, width: headW - 10 });
    mechanisms.forEach((m, i) => {
      const cw = cellWords(cells.get(`${s}|${m}`));
      const x = w.x0 + headW + i * colW;
      w.box(x + 2, y + 2, colW - 4, rowH - 4, cw.bg, undefined, 2);
      w.at(`${cw.mark} ${cw.word}`, x + 7, y + 9, { size, font: 'bold', color: cw.color, width: colW - 12 });
      if (cw.why) {
        // Up to two lines of reasons inside the cell ("2 tries · phone missed the OK").
        const why = w.heightOf(cw.why, colW - 12, { size: 7.5, lineGap: 0.5 }) > 22 ? cw.why.split('\n').map((l) => w.fit(l, colW - 12, 'sans', 7.5)).slice(0, 2).join('\n') : cw.why;
        w.y = y + 22;
        w.para(why, { x: x + 7, width: colW - 12, size: 7.5, gapAfter: 0, lineGap: 0.5 });
      }
    });
    w.doc.moveTo(w.x0, y + rowH).lineTo(w.x0 + headW + colW * mechanisms.length, y + rowH).lineWidth(0.4).strokeColor(COLOR.rule).stroke();
    y += rowH;
  }
  w.y = y + 18;

}

export function drawMatrix(ctx: ReportContext): void {
  const { w, diagnosis } = ctx;
  w.sectionBreak();
  w.heading('2. Results: what was tried');
  if (diagnosis.attempts.length === 0) {
    w.para('The phone did not connect to the mail server during this session: there is nothing to show here.');
    return;
  }
  w.para(`Each box is one way of connecting (rows: encryption; columns: how the phone sends the password). ✓ works means the phone logged in and read mail${diagnosis.attempts.some((a) => a.direction === 'sending') ? ' (for sending: the lab accepted its message)' : ''}; ✗ fails means it did not, with the reason; – means it was not tried.`, { size: 9.5, color: COLOR.muted, gapAfter: 10 });

  // One grid per half of the phone's mail: IMAP and SMTP logins are different settings on the phone.
  const dirs = (['receiving', 'sending'] as const).filter((d) => diagnosis.attempts.some((a) => (a.direction ?? 'receiving') === d));
  for (const dir of dirs) {
    const mine = diagnosis.attempts.filter((a) => (a.direction ?? 'receiving') === dir);
    if (dirs.length > 1 || dir === 'sending') w.heading(dir === 'sending' ? 'Sending mail (SMTP)' : 'Reading mail (IMAP)', 2, 120);
    drawGrid(ctx, mine);
  }

  w.heading('Every attempt, step by step', 2, 60);
  const cols = { n: w.x0, when: w.x0 + 22, what: w.x0 + 82, steps: w.x0 + 230, result: w.x1 - 62 };
  const drawHead = () => {
    const hy = w.y;
    for (const [label, x] of [['#', cols.n], ['Started', cols.when], ['Connection', cols.what], ['Steps', cols.steps], ['Result', cols.result]] as const) {
      w.at(label, x, hy, { size: 8, font: 'bold', color: COLOR.muted });
    }
    w.y = hy + 13;
    w.rule(w.y - 2);
  };
  drawHead();
  const sel = selectAttempts(diagnosis.attempts, MAX_ATTEMPT_ROWS);
  let prev = 0;
  const gapRow = (from: number, to: number) => {
    const n = to - from + 1;
    if (w.ensure(18)) drawHead();
    const y = w.y + 3;
    w.at(`⋯ ${rangeWords({ from, to })} not listed here (${n === 1 ? 'one attempt' : `${n.toLocaleString('en-US')} attempts`}, counted in the grid above)`, cols.when, y, { size: 8.5, color: COLOR.muted, width: w.x1 - cols.when });
    w.y = y + 14;
    w.rule(w.y - 1);
  };
  for (const { attempt: a, number } of sel.shown) {
    if (number > prev + 1) gapRow(prev + 1, number - 1);
    prev = number;
    // No-break spaces keep "✓ phone saw login" together when the cell wraps.
    const steps = a.steps.map((s) => `${RESULT_MARK[s.result]}\u00a0${(STEP_WORDS[s.step]?.name ?? s.step).replace(/ /g, '\u00a0')}`);
    const stepsText = steps.join('   ');
    const stepsW = cols.result - cols.steps - 8;
    const h = Math.max(28, w.heightOf(stepsText, stepsW, { size: 8.5 }) + 8);
    if (w.ensure(h + 2)) drawHead();
    const y = w.y + 3;
    w.at(number.toLocaleString('en-US'), cols.n, y, { size: number > 999 ? 7 : 9, width: cols.when - cols.n - 2 });
    const startT = a.start ?? ctx.eventsByConn.get(a.conn)?.[0]?.t;
    w.at(startT ? clock(Date.parse(startT)).slice(0, 8) : '', cols.when, y, { size: 9 });
    w.at(`${securityWords(a)}`, cols.what, y, { size: 8.5, width: cols.steps - cols.what - 6 });
    w.at(`${a.proto === 'smtp' ? 'SMTP · ' : ''}${mechanismWords(a.mechanism)} · ${a.conn}`, cols.what, y + 12, { size: 8, color: COLOR.muted, width: cols.steps - cols.what - 6 });
    w.y = y;
    w.para(stepsText, { x: cols.steps, width: stepsW, size: 8.5, gapAfter: 0 });
    const ok = a.verdict === 'pass';
    w.at(`${ok ? '✓' : '✗'} ${RESULT_WORD[a.verdict]}`, cols.result, y, { size: 9.5, font: 'bold', color: ok ? COLOR.pass : COLOR.fail });
    w.y = y + h - 3;
    w.rule(w.y - 1);
  }
  if (prev < sel.total) gapRow(prev + 1, sel.total);
  const o = sel.omitted;
  if (o.count > 0) {
    w.y += 4;
    w.para(
      `… and ${o.count.toLocaleString('en-US')} more attempts (${o.passed.toLocaleString('en-US')} passed, ${o.failed.toLocaleString('en-US')} failed), all counted in the grid above, are not listed: ${omittedWords(o.ranges)}. The list keeps the first try of each way of connecting (with each result it had) and the latest attempts, ${sel.shown.length} of ${sel.total.toLocaleString('en-US')}; every conversation is in the session folder (events.jsonl).`,
      { size: 9, color: COLOR.muted },
    );
  }
  w.y += 6;
  w.para(`${stepLegend(diagnosis.attempts)} ✓ passed, ✗ failed, – skipped.`, { size: 8, color: COLOR.muted });
}

/** The steps of a reading session, in order: IMAP (RFC 9051) and POP3 (RFC 1939: LIST/UIDL, RETR, QUIT). */
const STEP_SEQUENCE: Partial<Record<Attempt['proto'], StepName[]>> = {
  imap: ['connect', 'tls', 'auth', 'client-accepted-auth', 'select', 'fetch', 'logout'],
  pop3: ['connect', 'tls', 'auth', 'client-accepted-auth', 'list', 'retr', 'quit'],
};

/** "Steps: …" for one protocol, or one line per protocol when the session mixes them. */
export function stepLegend(attempts: readonly Pick<Attempt, 'proto' | 'steps'>[]): string {
  const protos = [...new Set(attempts.map((a) => a.proto))];
  const sequence = (p: Attempt['proto']): StepName[] =>
    STEP_SEQUENCE[p] ?? [...new Set(attempts.filter((a) => a.proto === p).flatMap((a) => a.steps.map((s) => s.step)))];
  const words = (p: Attempt['proto']) => sequence(p).map((s) => STEP_WORDS[s]?.name ?? s).join(' → ');
  if (protos.length <= 1) return `Steps: ${words(protos[0] ?? 'imap')}.`;
  return protos.map((p) => `${p.toUpperCase()} steps: ${words(p)}.`).join(' ');
}
