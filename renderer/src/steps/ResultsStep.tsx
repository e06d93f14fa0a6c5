import { useEffect, useState } from 'react';
import type { Attempt, ReportExport, SessionSummary, StepName } from '../../../electron/api';
import { ResolutionCard } from '../components/ResolutionCard';
import { RESULT_MARK, RESULT_WORD, SECURITY_LABEL, SEVERITY_WORD, SMTP_STEP_ORDER, STEP_LABEL, bySeverity, stepColumns, mechanismLabel, plural, time } from '../components/labels';
import type { StepProps } from '../state/wizard';

export function ResultsStep({ api, store, wizard, run, info, profile }: StepProps) {
  const [secrets, setSecrets] = useState(false);
  const [exported, setExported] = useState<ReportExport | undefined>();
  const [label, setLabel] = useState('');
  const [saved, setSaved] = useState<string | undefined>();
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const d = store.diagnosis;
  const refresh = () => void run(api.call('sessions.list', {})).then((l) => l && setSessions(l));
  // A new or reopened session changes the list (and which entry is open now).
  useEffect(() => refresh(), [store.status?.sessionId, store.status?.state]);
  const exportPdf = async () => {
    const r = await run(api.call('report.export', { includeSecrets: secrets }));
    if (r) setExported(r);
  };
  const save = async () => {
    const r = await run(api.call('session.save', { label: label || (profile ? `${profile.vendor} ${profile.model}` : 'session'), wizard: { ...wizard, profile: profile?.id } }));
    if (r) {
      setSaved(r.file);
      refresh();
    }
  };
  const open = async (id: string) => {
    await run(api.call('session.open', { id }));
  };
  const dev = d.device;
  return (
    <div className="step-body results">
      <p className={`summary verdict-${d.verdict}`} role="status">
        <span className="big-mark" aria-hidden="true">
          {d.verdict === 'pass' ? '✓' : d.verdict === 'fail' ? '✗' : '?'}
        </span>
        <span>
          <strong>{d.verdict === 'pass' ? 'Mail works' : d.verdict === 'fail' ? 'Mail does not work yet' : 'Not enough to judge yet'}</strong> ·{' '}
          {plural(d.attempts.length, 'attempt')}, {d.attempts.filter((a) => a.verdict === 'pass').length} passed
          {dev?.model ? ` · phone: ${[dev.vendor, dev.model].filter(Boolean).join(' ')}${dev.firmware ? ' firmware ' + dev.firmware : ''}` : ''}
        </span>
      </p>
      <p className="directions" data-testid="directions">
        {(['receiving', 'sending'] as const).map((dir) => {
          const r = d.directions?.[dir] ?? 'untested';
          return (
            <span key={dir} className={`direction ${r}`}>
              {dir === 'receiving' ? 'Receiving mail (IMAP)' : 'Sending mail (SMTP)'}:{' '}
              <strong>{r === 'pass' ? '✓ works' : r === 'fail' ? '✗ does not work' : '– not tested'}</strong>
            </span>
          );
        })}
      </p>
      <ResolutionCard resolution={d.resolution} />
      <div className="actions-grid">
        <section aria-labelledby="export-h">
          <h3 id="export-h">Report</h3>
          <label className="check">
            <input type="checkbox" checked={secrets} onChange={(e) => setSecrets(e.target.checked)} />
            <span>Include passwords and login exchanges (only for your own records)</span>
          </label>
          <button type="button" className="primary" onClick={exportPdf} disabled={!info?.features.report}>
            Export the PDF report
          </button>
          {!info?.features.report ? <p className="muted">The report module is missing from this build.</p> : null}
          {exported ? (
            <p className="ok-line">
              <span aria-hidden="true">✓</span> Saved {exported.file} ({Math.round(exported.bytes / 1024)} KB)
              {exported.downloadUrl ? (
                <>
                  {' '}
                  · <a href={exported.downloadUrl}>download</a>
                </>
              ) : null}
            </p>
          ) : null}
        </section>
        <section aria-labelledby="save-h">
          <h3 id="save-h">Save this session</h3>
          <div className="row">
            <label>
              Name <input type="text" value={label} placeholder="e.g. Mrs Jones, Nokia 6233" onChange={(e) => setLabel(e.target.value)} />
            </label>
            <button type="button" onClick={save} disabled={!store.status?.sessionId}>
              Save
            </button>
          </div>
          {saved ? <p className="ok-line">✓ Saved: it is listed under “Earlier sessions” below ({saved}).</p> : null}
        </section>
      </div>
      <h3>Attempts</h3>
      {d.attempts.length === 0 ? (
        <p className="empty-note">No attempts recorded.</p>
      ) : (
        <>
          {(['receiving', 'sending'] as const).map((dir) => {
            const mine = d.attempts.filter((a) => (a.direction ?? 'receiving') === dir);
            if (mine.length === 0) return null;
            return (
              <div key={dir}>
                {d.attempts.some((a) => a.direction === 'sending') ? <h4>{dir === 'receiving' ? `Reading mail (${[...new Set(mine.map((x) => x.proto.toUpperCase()))].join(', ')})` : 'Sending mail (SMTP)'}</h4> : null}
                <AttemptTable attempts={mine} order={dir === 'sending' ? SMTP_STEP_ORDER : stepColumns(mine)} testId={dir === 'sending' ? 'matrix-sending' : 'matrix'} />
              </div>
            );
          })}
        </>
      )}
      <h3>Findings and what to do</h3>
      {d.findings.length === 0 ? <p className="empty-note">No findings.</p> : null}
      <ul className="findings">
        {bySeverity(d.findings).map((f, i) => (
          <li key={f.id + i} className={`finding sev-${f.severity}`}>
            <p className="finding-title">
              <span className={`badge sev-${f.severity}`}>{SEVERITY_WORD[f.severity]}</span> <strong>{f.title}</strong>
            </p>
            <p>{f.explanation}</p>
            <p>
              <strong>What to do:</strong> {f.recommendation}
            </p>
            <p className="muted small">Evidence: events {f.evidence.slice(0, 12).join(', ')}{f.evidence.length > 12 ? ', …' : ''}</p>
          </li>
        ))}
      </ul>
      <section aria-labelledby="sessions-h">
        <h3 id="sessions-h">Earlier sessions</h3>
        {sessions.length === 0 ? <p className="empty-note">None yet.</p> : null}
        <ul className="sessions">
          {sessions.slice(0, 20).map((s) => (
            <li key={s.id}>
              <span className="mono">{s.start ? new Date(s.start).toLocaleString() : s.id}</span> {s.label ? <strong>{s.label}</strong> : null}{' '}
              <span className="muted">{s.events} events</span>{' '}
              {store.status?.sessionId === s.id ? (
                <span className="badge">open now</span>
              ) : (
                <button type="button" className="link" onClick={() => open(s.id)}>
                  Reopen
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

/** One table of attempts with the steps of their protocol (IMAP or SMTP). */
function AttemptTable({ attempts, order, testId }: { attempts: readonly Attempt[]; order: readonly StepName[]; testId: string }) {
  // The protocol column appears once something other than IMAP was seen (POP3, SMTP).
  const manyProtocols = attempts.some((a) => a.proto !== 'imap');
  return (
  <div className="matrix-wrap">
    <table className="matrix" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          {manyProtocols ? <th scope="col">Mail</th> : null}
          <th scope="col">Security</th>
          <th scope="col">Login</th>
          {order.map((s) => (
            <th scope="col" key={s}>
              {STEP_LABEL[s]}
            </th>
          ))}
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a, i) => (
          <tr key={a.conn} className={a.verdict === 'pass' ? 'is-pass' : 'is-fail'}>
            <td>{i + 1}</td>
            <td className="mono">{time(a.start).slice(0, 8)}</td>
            {manyProtocols ? <td>{a.proto.toUpperCase()}</td> : null}
            <td>{SECURITY_LABEL[a.security]}</td>
            <td>{mechanismLabel(a.mechanism)}</td>
            {order.map((s) => {
              const st = a.steps.find((x) => x.step === s);
              return (
                <td key={s} className={`cell ${st?.result ?? 'none'}`} title={st?.note}>
                  {st ? (
                    <>
                      <span aria-hidden="true">{RESULT_MARK[st.result]}</span>
                      <span className="sr-only">{RESULT_WORD[st.result]}</span>
                    </>
                  ) : (
                    ''
                  )}
                </td>
              );
            })}
            <td className={`verdict ${a.verdict}`}>{a.verdict === 'pass' ? '✓ PASS' : '✗ FAIL'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
  );
}
