import { describe, expect, it } from 'vitest';
import { deviceFromImapId, deviceFromUserAgent, MAX_USER_AGENT_CHARS } from '../../electron/lab/device/index.js';

describe('device from User-Agent', () => {
  it.each([
    ['Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1', { vendor: 'Nokia', model: '6233', firmware: '05.10', platform: 'Series 40' }],
    ['Nokia6300/2.0 (04.71) Profile/MIDP-2.0 Configuration/CLDC-1.1 UP.Link/6.3.0.0.0', { vendor: 'Nokia', model: '6300', firmware: '04.71', platform: 'Series 40' }],
    [
      'Mozilla/5.0 (SymbianOS/9.1; U; en; Series60/3.0 NokiaE60/4.06.0) AppleWebKit/413 (KHTML, like Gecko) Safari/413',
      { vendor: 'Nokia', model: 'E60', firmware: '4.06.0', platform: 'Series 60' },
    ],
    [
      'Mozilla/5.0 (SymbianOS/9.1; U; en-us) AppleWebKit/413 (KHTML, like Gecko) Safari/413 Series60/3.0 NokiaN80-3/2.0 (3.0617.0.6)',
      { vendor: 'Nokia', model: 'N80-3', firmware: '3.0617.0.6', platform: 'Series 60' },
    ],
    [
      'Mozilla/5.0 (Series40; Nokia2700c-2/07.80; Profile/MIDP-2.1 Configuration/CLDC-1.1) Gecko/20100401 S40OviBrowser/2.0.2.68.14',
      { vendor: 'Nokia', model: '2700c-2', firmware: '07.80', platform: 'Series 40' },
    ],
    ['SonyEricssonK800i/R1KG Browser/NetFront/3.3 Profile/MIDP-2.0 Configuration/CLDC-1.1', { vendor: 'Sony Ericsson', model: 'K800i', firmware: 'R1KG' }],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1',
      { vendor: 'Apple', model: 'iPhone', platform: 'iOS 16.0' },
    ],
  ])('%s', (ua, want) => {
    expect(deviceFromUserAgent(ua)).toEqual({ ...want, source: 'http.request' });
  });

  it('names no device for curl, a desktop browser, nothing, or junk', () => {
    expect(deviceFromUserAgent('curl/7.88.1')).toBeUndefined();
    expect(deviceFromUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0')).toBeUndefined();
    expect(deviceFromUserAgent(undefined)).toBeUndefined();
    expect(deviceFromUserAgent('\u0000'.repeat(100_000))).toBeUndefined();
    // A huge UA is cut to MAX_USER_AGENT_CHARS before parsing (so the parser never sees a
    // megabyte), and what is left still names the phone.
    const huge = 'Nokia6233/2.0 (05.10) ' + 'x'.repeat(1_000_000);
    expect(deviceFromUserAgent(huge)?.model).toBe('6233');
    expect(deviceFromUserAgent(huge)).toEqual(deviceFromUserAgent(huge.slice(0, MAX_USER_AGENT_CHARS)));
  });
});

describe('device from IMAP ID', () => {
  it('maps RFC 2971 fields, case-insensitively, ignoring NIL', () => {
    expect(deviceFromImapId({ NAME: 'iPhone Mail', version: '19H12', os: 'iOS', 'os-version': '15.7 (19H12)', vendor: 'NIL' })).toEqual({
      vendor: 'Apple',
      model: 'iPhone Mail',
      firmware: '19H12',
      platform: 'iOS 15.7 (19H12)',
      source: 'imap.id',
    });
  });

  it('reads a Nokia User-Agent given as a field value', () => {
    expect(deviceFromImapId({ name: 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0' })).toEqual({
      vendor: 'Nokia',
      model: '6233',
      firmware: '05.10',
      platform: 'Series 40',
      source: 'imap.id',
    });
  });

  it('returns a bare record for empty ID', () => {
    expect(deviceFromImapId({})).toEqual({ source: 'imap.id' });
  });
});
