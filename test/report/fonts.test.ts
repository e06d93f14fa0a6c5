/** The embedded fonts: found from the source tree and from a build, and what they make possible. */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { buildReport, FONT_FILES, resolveFontsDir } from '../../electron/lab/report/index.js';
import { expectHas, pdfText, renderPages, tmp } from './helpers.js';

describe('report fonts', () => {
  it('ships DejaVu Sans with its licence and finds it from the source tree', () => {
    const dir = resolveFontsDir();
    for (const f of Object.values(FONT_FILES)) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, 'LICENSE-DejaVu.txt'), 'utf8')).toMatch(/Bitstream Vera[\s\S]*Permission is hereby granted/);
  });

  it('finds resources/fonts by walking up from a module inside dist/', () => {
    const pkg = tmp('mp-fonts-');
    mkdirSync(join(pkg, 'resources', 'fonts'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'mailprobe' }));
    copyFileSync(join(resolveFontsDir(), FONT_FILES.sans), join(pkg, 'resources', 'fonts', FONT_FILES.sans));
    const moduleFile = join(pkg, 'dist', 'electron', 'lab', 'report', 'fonts.js');
    expect(resolveFontsDir(moduleFile)).toBe(join(pkg, 'resources', 'fonts'));
    expect(() => resolveFontsDir(join(tmp('mp-nofonts-'), 'a', 'b.js'))).toThrow(/report fonts not found/);
  });

  it('keeps ✓, ✗, arrows and non-Latin text extractable, even with no diagnosis material at all', async () => {
    const events: LabEvent[] = [
      { seq: 1, t: '2026-11-29T09:00:00.000Z', kind: 'lab.start', version: '0.1.0', listeners: {}, account: { user: 'тест', password: 'пароль-123' }, settings: {} },
      { seq: 2, t: '2026-11-29T09:00:05.000Z', kind: 'note', text: 'Клиент: Ζωή Παπαδοπούλου — телефон не читает почту → ✓/✗' },
      { seq: 3, t: '2026-11-29T09:01:00.000Z', kind: 'lab.stop', reason: 'done' },
    ];
    const r = await buildReport({ events, technician: 'Łukasz Żółć', ticket: 'Nº 7' });
    const t = pdfText(r.pdf);
    expectHas(t.flat, 'Łukasz Żółć');
    expectHas(t.flat, 'Клиент: Ζωή Παπαδοπούλου — телефон не читает почту → ✓/✗');
    expectHas(t.flat, '? INCONCLUSIVE');
    expectHas(t.flat, 'Unknown device');
    expectHas(t.flat, 'The phone did not connect to the mail server during this session');
    expect(t.flat.includes('пароль-123')).toBe(false);
    expect(renderPages(r.pdf, 'empty-session')).toHaveLength(r.pages);
  });
});
