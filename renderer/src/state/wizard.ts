/** The wizard's own state: what the technician chose. Saved with the session (session.save). */
import type { AppInfo, DeviceProfile, IncomingProtocol, MailprobeApi, ApiError } from '../../../electron/api';
import type { SessionStore } from './store';

export const STEPS = ['Phone', 'Network', 'Certificate', 'Configure', 'Run', 'Results'] as const;

export interface WizardState {
  step: number;
  /** A profile id, or 'auto' to identify the phone from its hand-off page visit. */
  profileId?: string;
  demo: boolean;
  address?: string;
  ports: 'standard' | 'high' | 'any';
  certSkipped: boolean;
  testId?: string;
  /** IMAP or POP3, as the phone's mailbox type is set; absent: the profile's default. */
  mailbox?: IncomingProtocol;
  scenario?: string;
  /** Let the lab vary its behaviour between the phone's connections (server variants). */
  variants?: boolean;
  /** POP3: let the lab delete one message and add one before each next check (catches remembered message numbers). */
  pop3MailboxChange?: boolean;
  /** A customer's mbox file or Maildir folder for the lab to serve; absent or empty: the seeded messages. */
  mailboxPath?: string;
}

export const INITIAL: WizardState = { step: 0, demo: false, ports: 'standard', certSkipped: false };

export interface StepProps {
  api: MailprobeApi;
  store: SessionStore;
  info: AppInfo | undefined;
  profiles: DeviceProfile[];
  /** The chosen profile, or the one identified from the phone's visit. */
  profile: DeviceProfile | undefined;
  wizard: WizardState;
  update: (patch: Partial<WizardState>) => void;
  /** Run a request; an ApiError is shown in the banner and returned as undefined. */
  run: <T>(p: Promise<T | ApiError>) => Promise<T | undefined>;
}
