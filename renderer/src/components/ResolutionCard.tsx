/**
 * The answer first: per direction, the settings that work on this phone (most protected first),
 * with the values to set, the risk, and what the customer's server needs; then what failed and
 * what is left to try. The evidence (attempts, findings) follows on the Results page.
 */
import type { DirectionResolution, FailingConfiguration, Resolution, TriedConfiguration, WorkingConfiguration } from '../../../electron/api';
import { mechanismLabel } from './labels';

const DIRECTION = { receiving: 'Receiving mail', sending: 'Sending mail' } as const;

function describe(c: TriedConfiguration): string {
  const mech = c.phoneMechanism === 'AUTO' ? `Automatic (${mechanismLabel(c.mechanism ?? undefined)})` : c.mechanism ? mechanismLabel(c.mechanism) : 'no login reached';
  const sec = c.security === 'none' ? 'without TLS' : c.security === 'starttls' ? `${c.proto === 'pop3' ? 'STLS' : 'STARTTLS'} on port ${c.port}` : `SSL on port ${c.port}`;
  return `${c.proto.toUpperCase()} · ${mech} · ${sec}`;
}

function Working({ w, best }: { w: WorkingConfiguration; best: boolean }) {
  return (
    <div className={`working ${best ? 'is-best' : ''}`} data-testid="working-config">
      <p className="working-title">
        <span aria-hidden="true">✓</span> <strong>{describe(w)}</strong>
        {w.tls ? <span className="muted"> · {w.tls.version} {w.tls.cipher}</span> : null}
        {w.variant ? <span className="badge">server variant {w.variant}{w.variantLabel ? `: ${w.variantLabel}` : ''}</span> : null}
      </p>
      <table className="values">
        <thead>
          <tr>
            <th scope="col">Set on the phone</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {w.phone.map((p) => (
            <tr key={p.setting}>
              <th scope="row">
                {p.setting}
                {!p.verified ? <span className="unverified"> (label unverified)</span> : null}
              </th>
              <td className="mono value">{p.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="risk">
        <strong>Risk:</strong> {w.risk}
      </p>
      <details className="server-needs">
        <summary>What the customer's server needs</summary>
        <ul>
          {w.server.needs.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
        <p className="muted small">{w.server.cost}</p>
        {(['dovecot', 'cyrus', 'postfix'] as const).map((k) =>
          w.server[k] ? (
            <div key={k}>
              <p className="small">
                <strong>{k === 'dovecot' ? 'Dovecot 2.3' : k === 'cyrus' ? 'Cyrus IMAP' : 'Postfix'}</strong>
              </p>
              <pre className="config">{w.server[k]}</pre>
            </div>
          ) : null,
        )}
        {!w.server.dovecot && !w.server.cyrus && !w.server.postfix ? <p className="small">No stock server configuration can do this.</p> : null}
      </details>
    </div>
  );
}

function Failing({ f }: { f: FailingConfiguration }) {
  return (
    <li>
      <span aria-hidden="true">✗</span> {describe(f)}
      {f.variant ? ` (variant ${f.variant})` : ''}: <span className="muted">{f.because.join(', ')}</span>
    </li>
  );
}

function Direction({ name, r }: { name: keyof Resolution; r: DirectionResolution }) {
  const mark = r.status === 'works' ? '✓' : r.status === 'fails' ? '✗' : '–';
  const word = r.status === 'works' ? 'works' : r.status === 'fails' ? 'does not work yet' : 'not tested';
  return (
    <section className={`direction is-${r.status}`} aria-labelledby={`dir-${name}`} data-testid={`resolution-${name}`}>
      <h3 id={`dir-${name}`}>
        <span aria-hidden="true">{mark}</span> {DIRECTION[name]}: {word}
      </h3>
      {r.working.map((w, i) => (
        <Working key={w.attempts.join()} w={w} best={i === 0} />
      ))}
      {r.status === 'fails' && r.nearestMiss ? (
        <p>
          <strong>Nearest miss:</strong> {describe(r.nearestMiss.configuration)} got as far as “{r.nearestMiss.configuration.furthestStep}”. {r.nearestMiss.wouldTake}
        </p>
      ) : null}
      {r.next.length ? (
        <>
          <p className="small">
            <strong>Worth trying next:</strong>
          </p>
          <ol className="next">
            {r.next.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ol>
        </>
      ) : null}
      {r.failing.length ? (
        <details>
          <summary>Tried and failed ({r.failing.length})</summary>
          <ul className="failing">
            {r.failing.map((f) => (
              <Failing key={f.attempts.join()} f={f} />
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

export function ResolutionCard({ resolution }: { resolution: Resolution | undefined }) {
  if (!resolution) return null;
  return (
    <div className="resolution" data-testid="resolution">
      <Direction name="receiving" r={resolution.receiving} />
      <Direction name="sending" r={resolution.sending} />
    </div>
  );
}
