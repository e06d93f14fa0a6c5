import { proposePlan, testOutcome, valuesFor } from '../state/plan';
import type { StepProps } from '../state/wizard';

export function ConfigureStep({ store, profile, wizard, update }: StepProps) {
  const plan = proposePlan(profile, !!store.certFetch);
  const test = plan.find((t) => t.id === wizard.testId) ?? plan[0];
  const values = test ? valuesFor(test, store.status, profile) : [];
  const attempts = store.diagnosis.attempts;
  return (
    <div className="step-body">
      <p className="lead">Work through the tests one at a time: type the values on the phone, then go to Run.</p>
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
                <span className={`badge ${out === 'pass' ? 'good' : out === 'fail' ? 'bad' : ''}`}>{out === 'pass' ? '✓ passed' : out === 'fail' ? '✗ failed' : 'not run'}</span>
                <span className="muted small">{t.why}</span>
              </label>
            );
          })}
        </fieldset>
        {test ? (
          <section aria-labelledby="values-h">
            <h3 id="values-h">Type these on the phone for “{test.title}”</h3>
            <p className="menu-path">
              {(profile?.menuPath ?? ['Mail settings', 'Incoming server']).map((m, i) => (
                <span key={i}>
                  {i > 0 ? <span aria-hidden="true"> › </span> : null}
                  {m}
                </span>
              ))}
              {profile && !profile.menuPathVerified ? <span className="badge warn">path unverified</span> : null}
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
