/** The messages the phone sent, as the lab captured them (never relayed): the round trip, shown. */
import type { CapturedMessage } from '../state/messages';
import { plural, time } from './labels';

function size(bytes: number): string {
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : plural(bytes, 'byte');
}

export function CapturedMessages({ messages }: { messages: readonly CapturedMessage[] }) {
  if (messages.length === 0) return null;
  return (
    <section className="captured" aria-labelledby="captured-h" data-testid="captured">
      <h3 id="captured-h">
        <span aria-hidden="true">✉</span> {plural(messages.length, 'message')} sent by the phone, captured by the lab
      </h3>
      <ul className="captured-list">
        {[...messages].reverse().map((m) => (
          <li key={m.seq} className="captured-item">
            <dl className="captured-head">
              <dt>From</dt>
              <dd className="mono">{m.from || '<>'}</dd>
              <dt>To</dt>
              <dd className="mono">{m.to.join(', ')}</dd>
              <dt>Subject</dt>
              <dd>{m.subject ?? '(no subject)'}</dd>
              <dt>Size</dt>
              <dd>
                {size(m.size)} · {time(m.t)} · {m.conn}
                {m.delivered ? ' · put in the lab inbox (the next mail check shows it)' : ' · kept in the session only'}
              </dd>
            </dl>
            <pre className="captured-text" aria-label="The start of the message text">{m.text || '(empty message)'}</pre>
          </li>
        ))}
      </ul>
    </section>
  );
}
