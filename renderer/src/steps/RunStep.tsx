import { useEffect, useState } from 'react';
import type { ScenarioInfo } from '../../../electron/api';
import { Timeline } from '../components/Timeline';
import { CapturedMessages } from '../components/CapturedMessages';
import { plural } from '../components/labels';
import { chosenProtocol, isSending, proposePlan } from '../state/plan';
import type { StepProps } from '../state/wizard';

/** After this long on the Run step with no connection from the phone, say what to check. */
export const NO_CONNECTION_HINT_MS = 45_000;

export function RunStep({ api, store, profile, wizard, update, run, info }: StepProps) {
  const [scenarios, setScenarios] = useState<ScenarioInfo[]>([]);
  const [silent, setSilent] = useState(false);
  const [connsAtEntry] = useState(() => store.phoneConnections);
  const connected = store.phoneConnections > connsAtEntry;
  const waiting = store.status?.state === 'running' && !wizard.demo && !connected;
  useEffect(() => {
    if (!waiting) return;
    const t = setTimeout(() => setSilent(true), NO_CONNECTION_HINT_MS);
    return () => clearTimeout(t);
  }, [waiting]);
  const [started, setStarted] = useState<string | undefined>();
  const plan = proposePlan(profile, !!store.certFetch, chosenProtocol(profile, wizard.mailbox));
  const test = plan.find((t) => t.id === wizard.testId) ?? plan[0];
  const running = store.status?.state === 'running';
  useEffect(() => {
    if (!wizard.demo || !info?.features.demo) return;
    void run(api.call('demo.scenarios', {})).then((list) => {
      if (!list) return;
      setScenarios(list);
      if (!wizard.scenario && list[0]) update({ scenario: (list.find((s) => /6233/.test(s.id + s.title)) ?? list[0]).id });
    });
  }, [api, run, wizard.demo, info?.features.demo, wizard.scenario, update]);
  const startDemo = async () => {
    if (!wizard.scenario) return;
    const ok = await run(api.call('demo.run', { scenario: wizard.scenario }));
    if (ok) setStarted(wizard.scenario);
  };
  const v = store.diagnosis.verdict;
  return (
    <div className="step-body run">
      <div className="run-bar">
        {wizard.demo ? (
          <div className="row">
            <label>
              Simulated phone{' '}
              <select value={wizard.scenario ?? ''} onChange={(e) => update({ scenario: e.target.value })}>
                {scenarios.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.title}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="primary" onClick={startDemo} disabled={!running || !wizard.scenario}>
              Start the simulated phone
            </button>
            {started ? <span className="muted">Started “{scenarios.find((s) => s.id === started)?.title ?? started}”.</span> : null}
          </div>
        ) : (
          <p className="callout" role="status">
            <strong>{isSending(test) ? 'Send a mail from the phone now.' : 'Press “Retrieve” on the phone now.'}</strong>{' '}
            {test ? (
              <span>
                Test: {test.title}. Every try appears below as it happens.
              </span>
            ) : null}
          </p>
        )}
        {silent && waiting ? (
          <p className="hint" role="alert">
            <span aria-hidden="true">⚠</span> No connection from the phone in {NO_CONNECTION_HINT_MS / 1000} s. Check that the phone is on the same Wi-Fi as this
            computer, that it uses server {store.status?.address} and port {(isSending(test) ? store.status?.listeners.smtp : test?.proto === 'pop3' ? (test.security === 'tls' ? store.status?.listeners.pop3s : store.status?.listeners.pop3) : test?.security === 'tls' ? store.status?.listeners.imaps : store.status?.listeners.imap)?.port}, and: {store.status?.firewallHint}
          </p>
        ) : null}
        <p className="counts" aria-live="polite">
          {plural(store.events.length, 'event')} · {plural(store.diagnosis.attempts.length, 'attempt')} · verdict so far:{' '}
          <strong className={`verdict-word ${v}`}>{v === 'pass' ? '✓ pass' : v === 'fail' ? '✗ fail' : '? not yet known'}</strong>
          {!running ? <span className="muted"> · the lab is not running{store.status?.state === 'replay' ? ' (showing a recorded session)' : ''}</span> : null}
        </p>
      </div>
      <CapturedMessages messages={store.messages.list} />
      <Timeline store={store} />
    </div>
  );
}
