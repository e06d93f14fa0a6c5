import { useEffect, useState } from 'react';
import type { StepProps } from '../state/wizard';
import { time } from '../components/labels';

function deviceName(d: { vendor?: string; model?: string; firmware?: string } | undefined, ua?: string): string {
  if (d?.model) return `${d.vendor ?? ''} ${d.model}${d.firmware ? `, firmware ${d.firmware}` : ''}`.trim();
  return ua ? `a browser saying “${ua.slice(0, 60)}”` : 'the phone';
}

export function CertificateStep({ api, store, profile, wizard, update, run, info }: StepProps) {
  const [qr, setQr] = useState<{ url: string; svg: string } | undefined>();
  const status = store.status;
  const running = status?.state === 'running';
  useEffect(() => {
    if (!running || !info?.features.handoff) return;
    void run(api.call('handoff.qr', {})).then(setQr);
  }, [api, run, running, info?.features.handoff, status?.handoffUrl]);
  const fetched = store.certFetch;
  const visit = store.handoffVisit;
  const url = qr?.url ?? status?.handoffUrl;
  const steps = profile?.certificate.steps ?? ['Open the short address in the phone’s browser.', 'Choose the certificate link and accept it.'];
  return (
    <div className="step-body">
      <p className="lead">
        Needed only for tests with SSL/TLS. The phone's browser fetches the lab's certificate from this computer; this step turns green when it does.
      </p>
      {!running ? <p className="hint">Start the lab in the Network step first.</p> : null}
      <div className="cert-grid">
        <div className="qr-box">
          {qr ? <img src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr.svg)}`} alt={`QR code for ${qr.url}`} width={220} height={220} /> : <div className="qr-placeholder">QR code{info && !info.features.handoff ? ' unavailable' : '…'}</div>}
          <p className="short-url mono" data-testid="handoff-url">
            {url ?? '—'}
          </p>
          <p className="muted">Type this address in the phone's browser.</p>
        </div>
        <div>
          <h3>On the phone{profile ? ` (${profile.vendor === 'Any' ? 'any phone' : profile.vendor + ' ' + profile.model})` : ''}</h3>
          <ol className="instructions">
            {steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          {profile && !profile.certificate.verified ? <p className="muted">These steps come from manuals and reports and were not checked on this model.</p> : null}
        </div>
      </div>
      <div className={`status-box ${fetched ? 'is-done' : 'is-waiting'}`} role="status" aria-live="polite" data-testid="cert-status">
        {fetched ? (
          <>
            <span className="big-mark" aria-hidden="true">
              ✓
            </span>
            <span>
              <strong>Certificate fetched</strong> by {deviceName(fetched.device, fetched.userAgent)} at {time(fetched.t)} ({fetched.served}).
              <br />
              Now confirm on the phone that it is saved and trusted for mail.
            </span>
          </>
        ) : visit ? (
          <>
            <span className="big-mark" aria-hidden="true">
              …
            </span>
            <span>
              Page opened by {deviceName(visit.device, visit.userAgent)}. Waiting for it to choose the certificate link.
            </span>
          </>
        ) : (
          <>
            <span className="big-mark" aria-hidden="true">
              …
            </span>
            <span>Waiting for the phone to open the address…</span>
          </>
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={wizard.certSkipped} onChange={(e) => update({ certSkipped: e.target.checked })} />
        <span>Skip this step: test without encryption first (the certificate can be installed later).</span>
      </label>
    </div>
  );
}
