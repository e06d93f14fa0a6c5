import { describe, expect, it } from 'vitest';
import { chooseEngine } from '../../electron/lab/tls/choose.js';
import { parseClientHello, type ParsedClientHello } from '../../electron/lab/tls/hello.js';
import { LEGACY_SUITES } from '../../electron/lab/tls/legacy/suites.js';
import { ext, helloRecords, ssl2Hello } from './hello-builder.js';

const legacyIds = LEGACY_SUITES.map((s) => s.id);
function hello(b: Buffer): ParsedClientHello {
  const r = parseClientHello(b);
  if (r.status !== 'ok') throw new Error('bad test hello');
  return r.hello;
}
const auto = (b: Buffer): string => chooseEngine(hello(b), 'auto', legacyIds).engine;

describe('--tls auto', () => {
  it('sends the seed phone (TLS 1.0, RC4/3DES only) to the legacy engine', () => {
    expect(auto(helloRecords({ version: 0x0301, suites: [0x0004, 0x0005, 0x000a] }))).toBe('legacy');
  });
  it('sends a TLS 1.0 phone that also offers AES128-SHA to OpenSSL', () => {
    expect(auto(helloRecords({ version: 0x0301, suites: [0x0004, 0x002f] }))).toBe('modern');
  });
  it('does not count TLS 1.2-only suites for a TLS 1.1 client', () => {
    expect(auto(helloRecords({ version: 0x0302, suites: [0xc02f, 0x000a] }))).toBe('legacy');
  });
  it('sends TLS 1.3 clients and SSLv3-only clients to OpenSSL (the latter to be refused there)', () => {
    expect(auto(helloRecords({ version: 0x0303, suites: [0x1301], extensions: [ext.supportedVersions([0x0304])] }))).toBe('modern');
    expect(auto(helloRecords({ version: 0x0300, suites: [0x0004] }))).toBe('modern');
  });
  it('sends SSLv2-format hellos to the legacy engine, and obeys a forced choice', () => {
    expect(auto(ssl2Hello(0x0301, [0x000004]))).toBe('legacy');
    expect(chooseEngine(hello(helloRecords({ version: 0x0301, suites: [4] })), 'modern', legacyIds).engine).toBe('modern');
  });
});
