import { MailboxTypeChoice } from '../components/MailboxTypeChoice';
import { chosenProtocol, isSending, proposePlan, testOutcome, valuesFor } from '../state/plan';
import type { StepProps } from '../state/wizard';

export function ConfigureStep({ store, profile, wizard, update }: StepProps) {
  const proto = chosenProtocol(profile, wizard.mailbox);
  const plan = proposePlan(profile, !!store.certFetch, proto);
  const test = plan.find((t) => t.id === wizard.testId) ?? plan[0];
  const values = test ? valuesFor(test, store.status, profile) : [];
  const attempts = store.diagnosis.attempts;
  const receiving = store.diagnosis.resolution?.receiving;
  const found = receiving?.status === 'works' ? receiving.working[0] : undefined;
  return (
    <div className="step-body">
      <p className="lead">Work through the tests one at a time: type the values on the phone, then go to Run.</p>
      <MailboxTypeChoice profile={profile} value={proto} onChange={(mailbox) => update({ mailbox, testId: undefined })} />
      {found ? (
        <p className="banner good" role="status" data-testid="plan-found">
          <span aria-hidden="true">✓</span> Found a setting that works: <strong>{found.phone.map((p) => `${p.setting}: ${p.value}`).join(', ')}</strong>. No more tests are needed; see
          Results for the risk and what the customer's server needs.
        </p>
      ) : receiving?.next.length ? (
        <div className="banner" role="status" data-testid="plan-next">
          <p>
            <strong>Worth trying next</strong> (the phone has a bug with what already failed):
          </p>
          <ol>
            {receiving.next.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ol>
        </div>
      ) : null}
      <div className="configure-grid">
        <fieldset className="choices plan">
          <legend>Test plan</legend>
          {plan.map((t, n) => {
            const out = testOutcome(t, attempts);
            return (
              <label key={t.id} className={`choice ${test?.id === t.id ? 'is-on' : ''}`}>
                <input type="radio" name="test" value={t.id} checked={test?.id === t.id} onChange={() => update({ testId: t.id })} />
                <span className="choice-title">
                  {n + 1}. {t.title}
                </span>
                <span className={`badge ${out === 'pass' ? 'good' : out === 'fail' ? 'bad' : ''}`}>
                  {out === 'pass' ? '✓ passed' : out === 'fail' ? '✗ failed' : found ? '– not needed' : 'not run'}
                </span>
                <span className="muted small">{t.why}</span>
              </label>
            );
          })}
        </fieldset>
        {test ? (
          <section aria-labelledby="values-h">
            <h3 id="values-h">Type these on the phone for “{test.title}”</h3>
            <p className="menu-path">
              {(isSending(test) ? (profile?.outgoing?.menuPath ?? ['Mail settings', 'Outgoing server']) : (profile?.menuPath ?? ['Mail settings', 'Incoming server'])).map((m, i) => (
                <span key={i}>
                  {i > 0 ? <span aria-hidden="true"> › </span> : null}
                  {m}
                </span>
              ))}
              {profile && !(isSending(test) ? profile.outgoing?.menuPathVerified : profile.menuPathVerified) ? <span className="badge warn">path unverified</span> : null}
            </p>
            <table className="values" data-testid="values">
              <thead>
                <tr>
                  <th scope="col">Setting on the phone</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {values.map((v) => (
                  <tr key={v.field}>
                    <th scope="row">
                      {v.label}
                      {!v.verified ? <span className="unverified" title="This label was not checked on a real phone"> (label unverified)</span> : null}
                      {v.note ? <span className="muted small block">{v.note}</span> : null}
                    </th>
                    <td className="mono value">{v.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {isSending(test) ? (
              <p className="hint" data-testid="send-hint">
                <span aria-hidden="true">✉</span> Then write a short mail on the phone, to any address, and send it. The lab keeps it (it never sends it on) and shows it on the Run step.
              </p>
            ) : null}
            {test.security === 'tls' && !store.certFetch && !wizard.certSkipped ? (
              <p className="hint">
                <span aria-hidden="true">⚠</span> The phone has not fetched the lab certificate yet (Certificate step).
              </p>
            ) : null}
          </section>
        ) : null}
      </div>
    </div>
  );
}
