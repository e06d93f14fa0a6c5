/**
 * The exact values a technician sets on the phone for a configuration, in the phone's own words
 * (the device profile's labels and choices). Without a profile, generic labels are used.
 */
import type { DeviceProfile, PhoneSetting, TriedConfiguration } from '../../../api.js';

const GENERIC_SECURITY: Record<'none' | 'starttls' | 'tls', string> = { none: 'None / Off', starttls: 'STARTTLS', tls: 'SSL/TLS' };
const GENERIC_MECHANISM: Record<string, string> = {
  'LOGIN-COMMAND': 'Normal password',
  'USER-PASS': 'Normal password (USER/PASS)',
  LOGIN: 'LOGIN',
  PLAIN: 'PLAIN',
  'CRAM-MD5': 'CRAM-MD5',
  'DIGEST-MD5': 'DIGEST-MD5',
  APOP: 'APOP (secure password)',
  AUTO: 'Automatic',
};

/** How a mechanism reads in a sentence ("LOGIN", "CRAM-MD5"). */
export function mechanismWord(m: string | null): string {
  if (m === null) return 'no login';
  if (m === 'LOGIN-COMMAND') return 'LOGIN';
  if (m === 'USER-PASS') return 'USER/PASS';
  if (m === 'LOGIN') return 'AUTH=LOGIN';
  if (m === 'AUTO') return 'Automatic';
  return m;
}

export function securityWord(proto: TriedConfiguration['proto'], security: 'none' | 'starttls' | 'tls', port: number): string {
  if (security === 'none') return 'without TLS';
  if (security === 'starttls') return `with STARTTLS on port ${port}`;
  return `over SSL on port ${port}`;
}

function label(profile: DeviceProfile | undefined, field: 'security' | 'mechanism' | 'port', fallback: string, outgoing: boolean): { label: string; verified: boolean } {
  // The outgoing screen's own label where the profile has one (the 6233's "Outgoing port").
  const own = outgoing ? profile?.outgoing?.fields[field] : undefined;
  if (own) return { label: own.label, verified: own.verified };
  const f = profile?.fields[field];
  if (!f) return { label: outgoing ? `Outgoing ${fallback.toLowerCase()}` : fallback, verified: false };
  const text = outgoing ? (/incoming/i.test(f.label) ? f.label.replace(/incoming/i, 'Outgoing') : `Outgoing: ${f.label}`) : f.label;
  return { label: text, verified: f.verified && !outgoing };
}

/** A POP3 mailbox's own settings (RFC 1939): the mailbox type, POP3's ports 110/995, its login choice, leave on server. */
function pop3Settings(c: TriedConfiguration, profile: DeviceProfile | undefined): PhoneSetting[] {
  const type = profile?.incomingProtocols;
  const pop3 = profile?.pop3;
  const sec = label(profile, 'security', 'Security', false);
  const port = label(profile, 'port', 'Incoming port', false);
  const chosen = c.phoneMechanism ?? c.mechanism;
  const mechValue = chosen === null ? 'Off' : (pop3?.mechanismChoices[chosen] ?? profile?.mechanismChoices[chosen] ?? GENERIC_MECHANISM[chosen] ?? chosen);
  return [
    type
      ? { setting: type.label, value: type.choices.pop3 ?? 'POP3', verified: type.verified }
      : { setting: GENERIC_POP3_TYPE_LABEL, value: 'POP3', verified: false },
    { setting: sec.label, value: pop3?.securityChoices[c.security] ?? GENERIC_POP3_SECURITY[c.security], verified: sec.verified && !!pop3?.verified },
    { setting: port.label, value: String(c.port), verified: port.verified },
    { setting: pop3?.mechanismLabel ?? 'Secure login (APOP)', value: mechValue, verified: !!pop3?.verified },
    // RFC 1939 leaves deleting to the client: a phone that deletes takes the mail away from every
    // other device the customer reads it on.
    { setting: LEAVE_ON_SERVER_LABEL, value: 'Yes, if the customer also reads this mail elsewhere', verified: false },
  ];
}

const GENERIC_POP3_TYPE_LABEL = 'Incoming mail server type';
export const LEAVE_ON_SERVER_LABEL = 'Leave messages on server';
const GENERIC_POP3_SECURITY: Record<'none' | 'starttls' | 'tls', string> = { none: 'None / Off', starttls: 'STLS (STARTTLS) on port 110', tls: 'SSL/TLS on port 995' };

export function phoneSettings(c: TriedConfiguration, profile: DeviceProfile | undefined): PhoneSetting[] {
  if (c.proto === 'pop3') return pop3Settings(c, profile);
  const outgoing = c.proto === 'smtp';
  const sec = label(profile, 'security', 'Security', outgoing);
  const mech = label(profile, 'mechanism', 'Authentication', outgoing);
  const port = label(profile, 'port', 'Port', outgoing);
  const secValue = profile?.securityChoices[c.security] ?? GENERIC_SECURITY[c.security];
  const chosen = c.phoneMechanism ?? c.mechanism;
  const mechValue = chosen === null ? 'Off' : (profile?.mechanismChoices[chosen] ?? GENERIC_MECHANISM[chosen] ?? chosen);
  const out: PhoneSetting[] = [
    { setting: sec.label, value: secValue, verified: sec.verified },
    { setting: port.label, value: String(c.port), verified: port.verified },
    { setting: mech.label, value: mechValue, verified: mech.verified },
  ];
  return out;
}
