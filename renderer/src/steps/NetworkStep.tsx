import { useEffect, useState } from 'react';
import { indexingText, type LabStatus, type NetworkInterfaceInfo } from '../../../electron/api';
import { chosenProtocol } from '../state/plan';
import type { SessionStore } from '../state/store';
import type { StepProps } from '../state/wizard';

const LISTENER_LABEL: Record<string, string> = { imap: 'IMAP (mail)', imaps: 'IMAP over SSL', http: 'Hand-off page (certificate)', smtp: 'SMTP', smtps: 'SMTP over SSL', pop3: 'POP3 (mail, STLS)', pop3s: 'POP3 over SSL' };

/** The technician's mailbox while the lab indexes it, then how many messages it serves (the CLI's stderr line). */
export function MailboxIndexingLine({ indexing }: { indexing: SessionStore['indexing'] }) {
  if (!indexing) return null;
  const ev = indexing.latest;
  const elapsed = ev.done ? Date.parse(ev.t) - Date.parse(indexing.since) : undefined;
  return (
    <p className={ev.done ? 'ok-line' : 'hint'} role="status" data-testid="mailbox-indexing">
      <span aria-hidden="true">{ev.done ? '✓' : '…'}</span> Mailbox {indexingText(ev, elapsed)}
      {ev.done ? '' : ' — phones that connect now wait until it is ready'}
    </p>
  );
}

export function LabSummary({ status, indexing }: { status: LabStatus; indexing?: SessionStore['indexing'] }) {
  return (
    <div className="lab-summary" data-testid="lab-summary">
      <p className="ok-line">
        <span aria-hidden="true">✓</span> The lab is running on <strong className="mono">{status.address}</strong>
        {status.startedBy === 'cli' ? ' (started from the command line)' : ''}.
      </p>
      <table className="kv">
        <tbody>
          {Object.entries(status.listeners).map(([name, l]) => (
            <tr key={name}>
              <th scope="row">{LISTENER_LABEL[name] ?? name}</th>
              <td className="mono">port {l?.port}</td>
            </tr>
          ))}
          {status.account ? (
            <tr>
              <th scope="row">Lab account</th>
              <td className="mono">
                {status.account.user} / {status.account.password}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <MailboxIndexingLine indexing={indexing} />
      {status.firewallHint ? (
        <p className="hint" role="note">
          <span aria-hidden="true">⚠</span> {status.firewallHint}
        </p>
      ) : null}
    </div>
  );
}

export function NetworkStep({ api, store, wizard, update, run, info, profile }: StepProps) {
  const pop3 = chosenProtocol(profile, wizard.mailbox) === 'pop3';
  const [ifaces, setIfaces] = useState<NetworkInterfaceInfo[]>([]);
  // What the button says while the lab starts: the lab shows as running (and indexing a mailbox) before lab.start returns.
  const [busy, setBusy] = useState<false | 'Starting…' | 'Restarting…'>(false);
  const status = store.status;
  const running = status?.state === 'running';
  useEffect(() => {
    void run(api.call('net.interfaces', {})).then((list) => {
      if (!list) return;
      setIfaces(list);
      if (!wizard.address) {
        const pick = wizard.demo ? list.find((i) => i.internal && i.family === 'IPv4') : list.find((i) => i.recommended);
        update({ address: pick?.address ?? (wizard.demo ? '127.0.0.1' : undefined) });
      }
    });
    // Run once: the interface list is a snapshot; "Refresh" reloads it.
  }, []);
  const start = async () => {
    if (!wizard.address) return;
    setBusy(running ? 'Restarting…' : 'Starting…');
    await run(
      api.call('lab.start', {
        address: wizard.address,
        ports: wizard.ports,
        demo: wizard.demo,
        profile: wizard.profileId === 'auto' ? undefined : wizard.profileId,
        variants: wizard.variants ? 'auto' : 'off',
        pop3MailboxChange: pop3 && wizard.pop3MailboxChange ? 'both' : 'off',
        ...(wizard.mailboxPath?.trim() ? { mailbox: wizard.mailboxPath.trim() } : {}),
      }),
    );
    setBusy(false);
  };
  if (running && status.startedBy === 'cli') {
    return (
      <div className="step-body">
        <LabSummary status={status} indexing={store.indexing} />
      </div>
    );
  }
  return (
    <div className="step-body">
      <p className="lead">
        {wizard.demo
          ? 'Demo mode: the simulated phone runs on this computer, so the loopback address is right.'
          : 'Choose the address the phone can reach: the one of the Wi-Fi the phone is on.'}
      </p>
      <fieldset className="choices">
        <legend>This computer's addresses</legend>
        {ifaces.map((i) => (
          <label key={i.name + i.address} className={`choice ${wizard.address === i.address ? 'is-on' : ''}`}>
            <input type="radio" name="address" value={i.address} checked={wizard.address === i.address} onChange={() => update({ address: i.address })} />
            <span className="choice-title mono">{i.address}</span>
            <span className="muted">
              {i.name} · {i.label}
            </span>
            {(wizard.demo ? i.internal && i.family === 'IPv4' : i.recommended) ? <span className="badge good">{wizard.demo ? 'right for demo mode' : 'recommended'}</span> : null}
          </label>
        ))}
        {ifaces.length === 0 ? <p className="muted">Looking for network addresses…</p> : null}
      </fieldset>
      <div className="row">
        <label>
          Ports{' '}
          <select value={wizard.ports} onChange={(e) => update({ ports: e.target.value as typeof wizard.ports })}>
            <option value="standard">standard: 143 and 993 (else 1143 and 1993)</option>
            <option value="high">high: 1143, 1993, 8080</option>
            <option value="any">any free ports</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={!!wizard.variants} onChange={(e) => update({ variants: e.target.checked })} />
          <span>Vary the server between the phone's checks (finds what works without retyping)</span>
        </label>
        {pop3 ? (
          <label className="check">
            <input type="checkbox" checked={!!wizard.pop3MailboxChange} onChange={(e) => update({ pop3MailboxChange: e.target.checked })} />
            <span>Change the mailbox between the phone's checks (POP3: one message deleted, one added; catches a phone that remembers message numbers)</span>
          </label>
        ) : null}
      </div>
      <label className="path-field">
        <span>Customer's mailbox (optional)</span>
        <input
          type="text"
          className="mono"
          spellCheck={false}
          placeholder="/path/to/export.mbox or a Maildir folder"
          value={wizard.mailboxPath ?? ''}
          onChange={(e) => update({ mailboxPath: e.target.value })}
          aria-describedby="mailbox-path-help"
        />
        <span id="mailbox-path-help" className="muted small">
          Served to the phone instead of the lab's sample messages, read-only (never changed). Empty: the sample messages.
        </span>
      </label>
      <div className="row">
        {running && status.address === wizard.address ? (
          <>
            <button type="button" disabled={!!busy} onClick={start}>
              {busy || 'Restart the lab'}
            </button>
            <button type="button" disabled={!!busy} onClick={() => void run(api.call('lab.stop', {}))}>
              Stop the lab
            </button>
          </>
        ) : (
          <button type="button" className="primary" disabled={!wizard.address || !!busy || !info?.features.lab} onClick={start}>
            {busy || (running ? `Move the lab to ${wizard.address}` : 'Start the lab')}
          </button>
        )}
      </div>
      {!info?.features.lab ? <p className="hint">The lab module is missing from this build.</p> : null}
      {running ? <LabSummary status={status} indexing={store.indexing} /> : null}
    </div>
  );
}
