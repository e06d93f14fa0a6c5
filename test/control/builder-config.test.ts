// `npm run dist` configuration, checked offline against electron-builder's own JSON schema.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const Ajv = require('ajv') as new (opts: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] } };

describe('build/electron-builder.yml', () => {
  const config = yaml.load(readFileSync('build/electron-builder.yml', 'utf8')) as Record<string, unknown> & {
    linux: { target: string[] };
    win: { target: string[] };
    mac: { target: string[] };
    files: string[];
    extraMetadata: { main: string };
  };

  it('is valid against app-builder-lib/scheme.json', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('builds AppImage and deb, NSIS and dmg, from the compiled main and preload and the built wizard', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.extraMetadata.main).toBe('dist/electron/main/main.js');
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**/*.cjs', 'dist/renderer/**/*', 'resources/**/*']));
  });

  it('rejects a misspelt key (the check has teeth)', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate({ ...config, linuxx: {} })).toBe(false);
  });
});
