import { MailboxTypeChoice } from '../components/MailboxTypeChoice';
import { chosenProtocol } from '../state/plan';
import type { StepProps } from '../state/wizard';

export function PhoneStep({ profiles, profile, wizard, update, info }: StepProps) {
  const demoOk = info?.features.demo ?? false;
  return (
    <div className="step-body">
      <p className="lead">Which phone is it? The wizard uses the phone's own words for each setting.</p>
      <fieldset className="choices profiles">
        <legend>Phone model</legend>
        {profiles.map((p) => {
          const unverified = !p.menuPathVerified || Object.values(p.fields).some((f) => !f.verified);
          return (
            <label key={p.id} className={`choice ${wizard.profileId === p.id ? 'is-on' : ''}`}>
              <input type="radio" name="profile" value={p.id} checked={wizard.profileId === p.id} onChange={() => update({ profileId: p.id })} />
              <span className="choice-title">
                {p.vendor === 'Any' ? p.model : `${p.vendor} ${p.model}`}
              </span>
              <span className="muted">{p.platform}</span>
              {unverified ? <span className="badge warn" title="Menu names come from manuals and reports, not checked on this model">labels unverified</span> : null}
            </label>
          );
        })}
        <label className={`choice ${wizard.profileId === 'auto' ? 'is-on' : ''}`}>
          <input type="radio" name="profile" value="auto" checked={wizard.profileId === 'auto'} onChange={() => update({ profileId: 'auto' })} />
          <span className="choice-title">Identify it for me</span>
          <span className="muted">from the phone's visit to the hand-off page (Certificate step)</span>
        </label>
      </fieldset>
      <MailboxTypeChoice profile={profile} value={chosenProtocol(profile, wizard.mailbox)} onChange={(mailbox) => update({ mailbox, testId: undefined })} />
      <label className="check">
        <input type="checkbox" checked={wizard.demo} disabled={!demoOk} onChange={(e) => update({ demo: e.target.checked, ports: e.target.checked ? 'any' : 'standard', address: e.target.checked ? '127.0.0.1' : undefined })} />
        <span>
          <strong>Demo mode</strong>: a built-in simulator plays the phone (no phone or Wi-Fi needed).
          {!demoOk ? <span className="muted"> Not available in this build: the simulator module is missing.</span> : null}
        </span>
      </label>
    </div>
  );
}
