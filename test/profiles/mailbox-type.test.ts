// Device profiles say whether the phone reads mail over IMAP or POP3 (its "mailbox type"), with
// its POP3 security and login choices; a profile that gets them wrong names the file and key.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfiles, validateProfile, ProfileError } from '../../electron/lab/profiles/index.js';

const DIR = join(process.cwd(), 'resources', 'profiles');

describe('mailbox type in the device profiles', () => {
  const profiles = loadProfiles(DIR);
  const byId = (id: string) => profiles.find((p) => p.id === id)!;

  it('every shipped profile is valid; the Series 40 and Series 60 ones offer IMAP4 and POP3, unverified', () => {
    for (const id of ['nokia-6233', 'nokia-6300', 'nokia-e61-e65', 'nokia-n80', 'generic']) {
      const p = byId(id);
      expect(p.incomingProtocols).toMatchObject({ verified: false, default: 'imap' });
      expect(Object.keys(p.incomingProtocols!.choices).sort()).toEqual(['imap', 'pop3']);
      expect(p.pop3?.mechanismChoices).toHaveProperty('USER-PASS');
      expect(p.pop3?.mechanismChoices).toHaveProperty('APOP');
    }
    expect(byId('nokia-6233').incomingProtocols!.label).toBe('Mailbox type');
    // Series 40 has SSL on 995 but no STLS; Series 60 has both.
    expect(Object.keys(byId('nokia-6233').pop3!.securityChoices)).toEqual(['none', 'tls']);
    expect(Object.keys(byId('nokia-n80').pop3!.securityChoices)).toEqual(['none', 'starttls', 'tls']);
  });

  it('a profile without a mailbox type stays valid (an IMAP-only phone)', () => {
    const { incomingProtocols: _i, pop3: _p, ...imapOnly } = byId('nokia-6233');
    expect(validateProfile(imapOnly, 'imap-only.json').id).toBe('nokia-6233');
  });

  it('refuses an unknown protocol, a default that is not a choice, and POP3 choices on a phone without POP3', () => {
    const base = byId('nokia-6233');
    const bad = (patch: object) => () => validateProfile({ ...base, ...patch }, 'bad.json');
    expect(bad({ incomingProtocols: { ...base.incomingProtocols, choices: { imap: 'IMAP4', smtp: 'SMTP' } } })).toThrow(/bad\.json: 'incomingProtocols\.choices'/);
    expect(bad({ incomingProtocols: { ...base.incomingProtocols, choices: { imap: 'IMAP4' }, default: 'pop3' } })).toThrow(/'incomingProtocols\.default'/);
    expect(bad({ incomingProtocols: { ...base.incomingProtocols, choices: { imap: 'IMAP4' } } })).toThrow(/'pop3' choices need/);
    expect(bad({ pop3: { ...base.pop3, mechanismChoices: {} } })).toThrow(ProfileError);
  });
});
