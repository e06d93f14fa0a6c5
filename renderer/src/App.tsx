/**
 * The technician's wizard: Phone → Network → Certificate → Configure → Run → Results. It only
 * renders what the engine sends (status, events, diagnosis) and asks it to act through the API.
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ApiError, AppInfo, DeviceProfile, MailprobeApi } from '../../electron/api';
import { isApiError, type LinkState } from './api/client';
import { LiveStrip } from './components/LiveStrip';
import { plural } from './components/labels';
import { chosenProtocol, matchProfile, proposePlan } from './state/plan';
import { SessionStore } from './state/store';
import { INITIAL, STEPS, type StepProps, type WizardState } from './state/wizard';
import { CertificateStep } from './steps/CertificateStep';
import { ConfigureStep } from './steps/ConfigureStep';
import { NetworkStep } from './steps/NetworkStep';
import { PhoneStep } from './steps/PhoneStep';
import { ResultsStep } from './steps/ResultsStep';
import { RunStep } from './steps/RunStep';

export interface AppProps {
  api: MailprobeApi;
  store?: SessionStore;
  link?: (fn: (s: LinkState) => void) => () => void;
  initial?: Partial<WizardState>;
}

const STEP_COMPONENTS = [PhoneStep, NetworkStep, CertificateStep, ConfigureStep, RunStep, ResultsStep];

export function App({ api, store: given, link, initial }: AppProps) {
  const store = useMemo(() => given ?? new SessionStore(), [given]);
  useSyncExternalStore(store.subscribe, store.getVersion);
  const [wizard, setWizard] = useState<WizardState>({ ...INITIAL, ...initial });
  const [info, setInfo] = useState<AppInfo | undefined>();
  const [profiles, setProfiles] = useState<DeviceProfile[]>([]);
  const [problem, setProblem] = useState<string | undefined>();
  const [linkState, setLinkState] = useState<LinkState>('open');
  const heading = useRef<HTMLHeadingElement>(null);

  const update = useCallback((patch: Partial<WizardState>) => setWizard((w) => ({ ...w, ...patch })), []);
  const run = useCallback(async <T,>(p: Promise<T | ApiError>): Promise<T | undefined> => {
    const r = await p;
    if (isApiError(r)) {
      setProblem(r.error.message);
      return undefined;
    }
    setProblem(undefined);
    return r;
  }, []);

  useEffect(() => api.subscribe(store.push), [api, store]);
  useEffect(() => (link ? link(setLinkState) : undefined), [link]);
  useEffect(() => {
    void run(api.call('app.info', {})).then(setInfo);
    void run(api.call('profiles.list', {})).then((p) => p && setProfiles(p));
  }, [api, run]);

  // A lab started from the command line (mailprobe lab --ui) or a demo: skip what is decided.
  const status = store.status;
  const seenModel = store.diagnosis.device?.model ?? store.handoffVisit?.device?.model;
  const chosen = wizard.profileId && wizard.profileId !== 'auto' ? profiles.find((p) => p.id === wizard.profileId) : undefined;
  const identified = !chosen ? matchProfile(profiles, seenModel) : undefined;
  const profile = chosen ?? identified;

  useEffect(() => {
    heading.current?.focus();
  }, [wizard.step]);

  const go = async (step: number) => {
    // Leaving Configure for Run records which test is being run, for the report.
    if (wizard.step === 3 && step === 4 && status?.state === 'running') {
      const plan = proposePlan(profile, !!store.certFetch, chosenProtocol(profile, wizard.mailbox));
      const test = plan.find((t) => t.id === wizard.testId) ?? plan[0];
      if (test) {
        update({ testId: test.id });
        await run(api.call('plan.select', { test }));
      }
    }
    update({ step: Math.max(0, Math.min(STEPS.length - 1, step)) });
  };

  const canNext = [
    !!wizard.profileId,
    status?.state === 'running' || status?.state === 'replay',
    true,
    true,
    true,
    false,
  ][wizard.step];
  const attempts = store.diagnosis.attempts;
  const done = (i: number): boolean =>
    [!!wizard.profileId, status?.state === 'running', !!store.certFetch || wizard.certSkipped, !!wizard.testId, false, false][i];
  /**
   * What a step's mark says happened there, in a symbol and a word: Run passes only when an
   * attempt passed and shows a failure when attempts exist and none did (never a ✓ after a
   * failed attempt).
   */
  const mark = (i: number): { symbol: string; word: string; cls: string } | null => {
    if (i === 4 && attempts.length > 0) {
      return attempts.some((a) => a.verdict === 'pass') ? { symbol: '✓', word: 'passed', cls: 'is-done' } : { symbol: '✗', word: 'failed', cls: 'is-failed' };
    }
    if (i === 5 && store.diagnosis.resolution?.receiving.status === 'works') return { symbol: '✓', word: 'answer found', cls: 'is-done' };
    return done(i) ? { symbol: '✓', word: 'done', cls: 'is-done' } : null;
  };
  const latest = attempts[attempts.length - 1];

  const props: StepProps = { api, store, info, profiles, profile, wizard, update, run };
  const Step = STEP_COMPONENTS[wizard.step];
  const nextLabel = ['Next: network', 'Next: certificate', wizard.certSkipped || store.certFetch ? 'Next: configure the phone' : 'Skip for now: configure the phone', 'I have typed them: run the test', 'Next: results', ''][wizard.step];

  return (
    <div className="app">
      <header className="topbar">
        <h1>Mailprobe</h1>
        <span className="tagline">phone mail lab</span>
        {wizard.demo ? <span className="badge demo">DEMO: simulated phone</span> : null}
        <span className={`lab-chip ${status?.state ?? 'stopped'}`} data-testid="lab-chip">
          {status?.state === 'running'
            ? `● Lab running on ${status.address ?? '?'} · ${plural(store.events.length, 'event')}`
            : status?.state === 'replay'
              ? `◼ Lab stopped · session ${status.sessionId ?? ''} (read-only)`
              : '○ Lab not started'}
        </span>
        {identified && wizard.profileId === 'auto' ? <span className="badge good">Identified: {identified.vendor} {identified.model}</span> : null}
      </header>
      <div className="layout">
        <nav className="stepper" aria-label="Wizard steps">
          <ol>
            {STEPS.map((name, i) => {
              const m = mark(i);
              return (
                <li key={name}>
                  <button type="button" className={`${i === wizard.step ? 'is-current' : ''} ${m?.cls ?? ''}`} aria-current={i === wizard.step ? 'step' : undefined} onClick={() => void go(i)}>
                    <span className="num" aria-hidden="true">
                      {m ? m.symbol : i + 1}
                    </span>
                    <span className="name">{name}</span>
                    {m ? <span className="mark-word">{m.word}</span> : null}
                  </button>
                </li>
              );
            })}
          </ol>
        </nav>
        <main className="content">
          {linkState === 'lost' ? (
            <p className="banner warn" role="alert">
              Lost the connection to Mailprobe: reconnecting… (is it still running?)
            </p>
          ) : null}
          {problem ? (
            <p className="banner error" role="alert">
              <span aria-hidden="true">✗</span> {problem}{' '}
              <button type="button" className="link" onClick={() => setProblem(undefined)}>
                Dismiss
              </button>
            </p>
          ) : null}
          {wizard.step !== 4 ? <LiveStrip attempt={latest} ended={!!latest && store.closedConns.has(latest.conn)} onOpenRun={() => void go(4)} /> : null}
          <h2 ref={heading} tabIndex={-1}>
            {wizard.step + 1}. {STEPS[wizard.step]}
          </h2>
          <Step {...props} />
          <footer className={`nav${wizard.step === STEPS.length - 1 ? " is-last" : ""}`}>
            {wizard.step > 0 ? (
              <button type="button" onClick={() => void go(wizard.step - 1)}>
                ← Back
              </button>
            ) : (
              <span />
            )}
            {wizard.step < STEPS.length - 1 ? (
              <button type="button" className="primary" disabled={!canNext} onClick={() => void go(wizard.step + 1)}>
                {nextLabel} →
              </button>
            ) : null}
          </footer>
        </main>
      </div>
    </div>
  );
}
