/** IMAP or POP3: the phone's "mailbox type" setting, in the phone's words (Phone and Configure steps). */
import type { DeviceProfile, IncomingProtocol } from '../../../electron/api';
import { protocolsOf } from '../state/plan';

const PROTOCOL_WHY: Record<IncomingProtocol, string> = {
  imap: 'reads the mail on the server',
  pop3: 'downloads the mail to the phone',
};

export function MailboxTypeChoice({ profile, value, onChange }: { profile: DeviceProfile | undefined; value: IncomingProtocol; onChange: (p: IncomingProtocol) => void }) {
  const { choices } = protocolsOf(profile);
  // A phone that only does IMAP has nothing to choose.
  if (choices.length < 2) return null;
  const setting = profile?.incomingProtocols;
  return (
    <fieldset className="choices mailbox-type" data-testid="mailbox-type">
      <legend>
        {setting?.label ?? 'Mailbox type'} on the phone
        {setting && !setting.verified ? <span className="unverified" title="This label was not checked on a real phone"> (label unverified)</span> : null}
      </legend>
      {choices.map((p) => (
        <label key={p} className={`choice ${value === p ? 'is-on' : ''}`}>
          <input type="radio" name="mailbox-type" value={p} checked={value === p} onChange={() => onChange(p)} />
          <span className="choice-title">{setting?.choices[p] ?? p.toUpperCase()}</span>
          <span className="muted">{PROTOCOL_WHY[p]}</span>
        </label>
      ))}
      {setting?.note ? <span className="muted small block">{setting.note}</span> : null}
    </fieldset>
  );
}
