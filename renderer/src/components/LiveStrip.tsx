/**
 * A phone that connects while the technician is on any step shows up at once: the latest
 * attempt, what it is, and its result when it ends, with a way to the Run step.
 */
import type { Attempt } from '../../../electron/api';
import { mechanismLabel, SECURITY_LABEL } from './labels';

export interface LiveStripProps {
  attempt: Attempt | undefined;
  ended: boolean;
  /** Shown on every step but Run, which has the live timeline itself. */
  onOpenRun: () => void;
}

export function LiveStrip({ attempt, ended, onOpenRun }: LiveStripProps) {
  if (!attempt) return null;
  const state = !ended ? 'live' : attempt.verdict;
  const word = state === 'live' ? '… in progress' : state === 'pass' ? '✓ passed' : '✗ failed';
  return (
    <p className={`live-strip is-${state}`} role="status" aria-live="polite" data-testid="live-strip">
      <span aria-hidden="true">●</span> Phone connected · {attempt.proto.toUpperCase()} · {SECURITY_LABEL[attempt.security]}
      {attempt.mechanism ? ` · ${mechanismLabel(attempt.mechanism)}` : ''} · <strong>{word}</strong>{' '}
      <button type="button" className="link" onClick={onOpenRun}>
        — open Run
      </button>
    </p>
  );
}
