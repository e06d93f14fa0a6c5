/**
 * The live timeline: attempts (one per connection, newest last) with each step ✓ or ✗ and the
 * finding that explains a failure; beside it the raw transcript, for all connections or the
 * chosen one, phone and lab lines told apart by word, arrow and colour, TLS marked.
 */
import { memo, useCallback, useMemo, useState } from 'react';
import type { Attempt, Finding, LabEvent } from '../../../electron/api';
import type { SessionStore } from '../state/store';
import type { Row } from '../state/transcript';
import { VirtualList } from './VirtualList';
import { RESULT_MARK, RESULT_WORD, SECURITY_LABEL, STEP_LABEL, STEP_SHORT, explain, findingsFor, mechanismLabel, plural, time } from './labels';

export const ATTEMPT_ROW_HEIGHT = 168;
export const TRANSCRIPT_ROW_HEIGHT = 24;

interface CardProps {
  attempt: Attempt;
  n: number;
  /** The findings about this attempt (precomputed once per diagnosis). */
  mine: Finding[];
  selected: boolean;
  onShow: (conn: string) => void;
  lines: number;
}

// Memoised: while scrolling, only cards that come into view render.
const AttemptCard = memo(function AttemptCard({ attempt, n, mine, selected, onShow, lines }: CardProps) {
  const failed = attempt.steps.find((s) => s.result === 'fail');
  const why = failed ? explain(failed, mine) : mine.find((f) => f.severity !== 'info');
  const pass = attempt.verdict === 'pass';
  return (
    <article className={`attempt ${pass ? 'is-pass' : 'is-fail'} ${selected ? 'is-selected' : ''}`} aria-label={`Attempt ${n}: ${pass ? 'passed' : 'failed'}`} data-conn={attempt.conn}>
      <header>
        <span className={`verdict ${pass ? 'pass' : 'fail'}`}>{pass ? '✓ PASSED' : '✗ FAILED'}</span>
        <strong>Attempt {n}</strong>
        <span className="muted">
          {attempt.proto.toUpperCase()} · {SECURITY_LABEL[attempt.security]} · {mechanismLabel(attempt.mechanism)} · {attempt.conn} · {time(attempt.start)}
        </span>
      </header>
      <ol className="steps" aria-label="Steps">
        {attempt.steps.map((s) => (
          <li key={s.step} className={`step ${s.result}`} title={`${STEP_LABEL[s.step] ?? s.step}${s.note ? ': ' + s.note : ''}`}>
            <span aria-hidden="true">{RESULT_MARK[s.result]}</span> {STEP_SHORT[s.step] ?? s.step}
            <span className="sr-only"> {RESULT_WORD[s.result]}</span>
          </li>
        ))}
      </ol>
      {why ? (
        <p className={`finding-line sev-${why.severity}`} data-finding={why.id}>
          <span aria-hidden="true">{why.severity === 'error' ? '✗' : why.severity === 'warning' ? '!' : 'i'}</span> {why.title}
          {mine.length > 1 ? <span className="muted"> (+{mine.length - 1} more)</span> : null}
        </p>
      ) : (
        <p className="finding-line muted">{pass ? 'Nothing to report: mail was read.' : 'No finding yet…'}</p>
      )}
      <footer>
        <button type="button" className="link" onClick={() => onShow(attempt.conn)} aria-pressed={selected}>
          {selected ? 'Showing its transcript' : `Show transcript (${plural(lines, 'line')})`}
        </button>
      </footer>
    </article>
  );
});

const TranscriptRow = memo(function TranscriptRow({ row, ev, showConn }: { row: Row; ev: LabEvent; showConn: boolean }) {
  const dir = row.who === 'phone' ? 'PHONE →' : row.who === 'lab' ? '← LAB' : '•';
  return (
    <div className={`tline who-${row.who}${row.empty ? ' empty' : ''}${row.error ? ' error' : ''}`} title={`#${ev.seq} ${ev.t}`}>
      <span className="t">{time(ev.t)}</span>
      {showConn ? <span className="c">{ev.conn ?? ''}</span> : null}
      <span className="dir">{dir}</span>
      <span className="tls">{row.tls ? 'TLS' : ''}</span>
      <span className="x">{row.text}</span>
    </div>
  );
});

/** Findings grouped by attempt, computed once per diagnosis rather than per card per frame. */
function groupFindings(attempts: readonly Attempt[], findings: readonly Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  const byConn = new Map<string, Finding[]>();
  const loose: Finding[] = [];
  for (const f of findings) {
    if (f.conn === undefined) loose.push(f);
    else {
      let l = byConn.get(f.conn);
      if (!l) byConn.set(f.conn, (l = []));
      l.push(f);
    }
  }
  for (const a of attempts) {
    const own = byConn.get(a.conn) ?? [];
    out.set(a.conn, loose.length ? [...own, ...findingsFor({ ...a, conn: '\u0000' }, loose)] : own);
  }
  return out;
}

export function Timeline({ store }: { store: SessionStore }) {
  const [conn, setConn] = useState<string | undefined>(undefined);
  const attempts = store.diagnosis.attempts;
  const rows = conn ? (store.rowsByConn.get(conn) ?? []) : store.rows;
  const index = useMemo(() => new Map(attempts.map((a, i) => [a.conn, i + 1])), [attempts]);
  const grouped = useMemo(() => groupFindings(attempts, store.diagnosis.findings), [attempts, store.diagnosis.findings]);
  const toggle = useCallback((c: string) => setConn((cur) => (cur === c ? undefined : c)), []);
  return (
    <div className="timeline">
      <section className="pane attempts-pane" aria-labelledby="attempts-h">
        <h3 id="attempts-h">
          Attempts <span className="muted">({attempts.length})</span>
        </h3>
        {attempts.length === 0 ? (
          <p className="empty-note">No attempt yet. When the phone connects, each try appears here with its steps.</p>
        ) : (
          <VirtualList
            label="Attempts"
            testId="attempts"
            count={attempts.length}
            rowHeight={ATTEMPT_ROW_HEIGHT}
            follow
            renderRow={(i) => (
              <AttemptCard
                attempt={attempts[i]}
                n={i + 1}
                mine={grouped.get(attempts[i].conn) ?? []}
                selected={conn === attempts[i].conn}
                lines={store.rowsByConn.get(attempts[i].conn)?.length ?? 0}
                onShow={toggle}
              />
            )}
          />
        )}
      </section>
      <section className="pane transcript-pane" aria-labelledby="transcript-h">
        <h3 id="transcript-h">
          Transcript{' '}
          <span className="muted">
            {conn ? `of attempt ${index.get(conn) ?? '?'} (${conn})` : 'of everything'} · {rows.length.toLocaleString('en')} lines
          </span>
          {conn ? (
            <button type="button" className="link" onClick={() => setConn(undefined)}>
              Show all
            </button>
          ) : null}
        </h3>
        <p className="legend" aria-hidden="true">
          <span className="who-phone">PHONE →</span> what the phone sent · <span className="who-lab">← LAB</span> what the lab answered ·{' '}
          <span className="tls">TLS</span> inside encryption
        </p>
        <VirtualList
          label="Transcript"
          testId="transcript"
          className="transcript"
          count={rows.length}
          rowHeight={TRANSCRIPT_ROW_HEIGHT}
          follow
          resetKey={conn ?? '*'}
          renderRow={(i) => <TranscriptRow row={rows[i]} ev={store.events[rows[i].i]} showConn={!conn} />}
        />
      </section>
    </div>
  );
}
