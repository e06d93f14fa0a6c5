import { describe, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { buildReport } from '../../electron/lab/report/index.js';
import { expectHas, expectLacks, pdfText } from './helpers.js';

const t = (s: number) => new Date(Date.UTC(2026, 10, 29, 10, 0, s)).toISOString();
const base: LabEvent[] = [
  { seq: 1, t: t(0), kind: 'lab.start', version: 'test', listeners: {}, account: { user: 'phone', password: '135790' }, settings: { profile: 'nokia-6233' } },
  { seq: 2, t: t(0), kind: 'device', device: { vendor: 'Nokia', model: '6233', platform: 'Series 40 3rd Edition', source: 'profile' } },
];

describe('the device on the cover', () => {
  it('says when the model is the technician\'s choice, not the phone\'s own word', async () => {
    const chosen = pdfText((await buildReport({ events: base })).pdf).flat;
    expectHas(chosen, 'Nokia 6233 (chosen by the technician)');
    const told = pdfText((await buildReport({ events: [...base, { seq: 3, t: t(5), kind: 'http.request', method: 'GET', path: '/ca.crt', status: 200, served: 'ca.crt', userAgent: 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1', device: { vendor: 'Nokia', model: '6233', firmware: '05.10', platform: 'Series 40', source: 'http.request' } }] })).pdf).flat;
    expectLacks(told, 'chosen by the technician');
    expectHas(told, /05\.10/);
  });
});
