/**
 * The answer's phone settings for a working POP3 configuration are POP3's own: the mailbox type,
 * POP3's ports (110, 995), the POP3 login setting and "Leave messages on server" — never the
 * IMAP labels and values (143, 993, "SSL (port 993)").
 */
import { describe, expect, it } from 'vitest';
import type { TriedConfiguration } from '../../electron/api.js';
import { phoneSettings } from '../../electron/lab/diagnosis/resolution/phone-settings.js';
import { defaultProfilesDir } from '../../electron/lab/package-root.js';
import { loadProfiles } from '../../electron/lab/profiles/index.js';

const PROFILES = loadProfiles(defaultProfilesDir());
const pop3 = (security: TriedConfiguration['security'], port: number, mechanism: string): TriedConfiguration => ({ proto: 'pop3', port, security, mechanism, tls: null, variant: null, attempts: ['c1'] });
const asRows = (c: TriedConfiguration, id?: string) => Object.fromEntries(phoneSettings(c, PROFILES.find((p) => p.id === id)).map((s) => [s.setting, s.value]));

describe('POP3 settings on the answer card', () => {
  it('the 6233 over SSL with APOP: its POP3 choices and port 995', () => {
    expect(asRows(pop3('tls', 995, 'APOP'), 'nokia-6233')).toEqual({
      'Mailbox type': 'POP3',
      'Security (ports)': 'SSL (port 995)',
      'Incoming port': '995',
      'Secure login (APOP)': 'On',
      'Leave messages on server': 'Yes, if the customer also reads this mail elsewhere',
    });
  });

  it('no profile: generic POP3 labels, STLS on 110', () => {
    const rows = asRows(pop3('starttls', 110, 'USER-PASS'));
    expect(rows).toMatchObject({ 'Incoming mail server type': 'POP3', Security: 'STLS (STARTTLS) on port 110', 'Incoming port': '110', 'Secure login (APOP)': 'Normal password (USER/PASS)' });
    expect(Object.values(rows).join(' ')).not.toMatch(/143|993/);
  });

  it('IMAP keeps its own labels', () => {
    const rows = asRows({ ...pop3('tls', 993, 'LOGIN-COMMAND'), proto: 'imap' }, 'nokia-6233');
    expect(rows).toEqual({ 'Security (ports)': 'SSL (port 993)', 'Incoming port': '993', 'Secure login': 'Off' });
  });
});
