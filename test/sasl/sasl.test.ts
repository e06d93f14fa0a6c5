import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  createMechanism,
  cramDigest,
  digestResponse,
  parseDirectives,
  SASL_MECHANISMS,
  isSaslMechanismName,
  MAX_SASL_FIELD_BYTES,
  MAX_SASL_RESPONSE_BYTES,
  type SaslContext,
  type SaslStep,
} from '../../electron/lab/sasl/index.js';

function ctx(over: Partial<SaslContext> = {}): SaslContext {
  return {
    passwordFor: (u) => (u === 'tim' ? 'tanstaaftanstaaf' : u === 'chris' ? 'secret' : u === 'jörg' ? 'pässwörd' : undefined),
    hostname: 'lab.example',
    nonce: () => '1896',
    now: () => new Date(697170952 * 1000),
    ...over,
  };
}
const b = (s: string) => Buffer.from(s, 'utf8');
const challengeText = (s: SaslStep) => {
  expect(s.type).toBe('challenge');
  return s.type === 'challenge' ? s.data.toString('utf8') : '';
};

describe('mechanism factory', () => {
  it('creates every advertised mechanism, case-insensitively, and nothing else', () => {
    for (const name of SASL_MECHANISMS) {
      expect(createMechanism(name, ctx())?.name).toBe(name);
      expect(createMechanism(name.toLowerCase(), ctx())?.name).toBe(name);
      expect(isSaslMechanismName(name)).toBe(true);
    }
    expect(createMechanism('GSSAPI', ctx())).toBeUndefined();
    expect(isSaslMechanismName('XOAUTH2')).toBe(false);
  });
});

describe('PLAIN (RFC 4616)', () => {
  it('accepts an initial response and an empty-challenge exchange', () => {
    expect(createMechanism('PLAIN', ctx())!.start(b('\0tim\0tanstaaftanstaaf'))).toEqual({ type: 'done', user: 'tim' });
    const m = createMechanism('PLAIN', ctx())!;
    const first = m.start(null);
    expect(first).toMatchObject({ type: 'challenge' });
    expect(first.type === 'challenge' && first.data.length).toBe(0);
    expect(m.next(b('tim\0tim\0tanstaaftanstaaf'))).toEqual({ type: 'done', user: 'tim', authzid: 'tim' });
    expect(m.next(b('again'))).toMatchObject({ type: 'error', reason: 'unexpected' });
  });

  it('accepts UTF-8 user names and passwords', () => {
    expect(createMechanism('PLAIN', ctx())!.start(b('\0jörg\0pässwörd'))).toEqual({ type: 'done', user: 'jörg' });
  });

  it('refuses a wrong password, an unknown user and a foreign authzid as bad credentials', () => {
    expect(createMechanism('PLAIN', ctx())!.start(b('\0tim\0wrong'))).toMatchObject({ type: 'error', reason: 'bad-credentials', user: 'tim' });
    expect(createMechanism('PLAIN', ctx())!.start(b('\0nobody\0x'))).toMatchObject({ type: 'error', reason: 'bad-credentials', user: 'nobody' });
    expect(createMechanism('PLAIN', ctx())!.start(b('chris\0tim\0tanstaaftanstaaf'))).toMatchObject({ type: 'error', reason: 'bad-credentials' });
  });

  it('calls missing separators, empty fields, empty "=" responses and bad UTF-8 malformed', () => {
    for (const bad of [b('timtanstaaf'), b('\0tim'), b('\0\0pw'), b('a\0b\0c\0d'), Buffer.alloc(0), Buffer.from([0, 0xff, 0xfe, 0, 0x41])]) {
      expect(createMechanism('PLAIN', ctx())!.start(bad)).toMatchObject({ type: 'error', reason: 'malformed' });
    }
  });
});

describe('limits', () => {
  it(`refuses fields over MAX_SASL_FIELD_BYTES (${MAX_SASL_FIELD_BYTES}) and responses over MAX_SASL_RESPONSE_BYTES (${MAX_SASL_RESPONSE_BYTES})`, () => {
    const long = 'x'.repeat(MAX_SASL_FIELD_BYTES + 1);
    expect(createMechanism('PLAIN', ctx())!.start(b(`\0tim\0${long}`))).toMatchObject({ type: 'error', reason: 'malformed' });
    const login = createMechanism('LOGIN', ctx())!;
    login.start(null);
    expect(login.next(b(long))).toMatchObject({ type: 'error', reason: 'malformed' });
    const digest = createMechanism('DIGEST-MD5', ctx())!;
    digest.start(null);
    expect(digest.next(b(`username="${'u'.repeat(MAX_SASL_RESPONSE_BYTES)}"`))).toMatchObject({ type: 'error', reason: 'malformed' });
  });
});

describe('LOGIN (draft-murchison-sasl-login)', () => {
  it('prompts exactly "Username:" then "Password:"', () => {
    const m = createMechanism('LOGIN', ctx())!;
    expect(challengeText(m.start(null))).toBe('Username:');
    expect(challengeText(m.next(b('tim')))).toBe('Password:');
    expect(m.next(b('tanstaaftanstaaf'))).toEqual({ type: 'done', user: 'tim' });
  });

  it('takes a SASL-IR initial response as the user name', () => {
    const m = createMechanism('LOGIN', ctx())!;
    expect(challengeText(m.start(b('tim')))).toBe('Password:');
    expect(m.next(b('tanstaaftanstaaf'))).toEqual({ type: 'done', user: 'tim' });
  });

  it('refuses a wrong password and an empty user name', () => {
    const m = createMechanism('LOGIN', ctx())!;
    m.start(null);
    m.next(b('tim'));
    expect(m.next(b('nope'))).toMatchObject({ type: 'error', reason: 'bad-credentials', user: 'tim' });
    const m2 = createMechanism('LOGIN', ctx())!;
    m2.start(null);
    expect(m2.next(Buffer.alloc(0))).toMatchObject({ type: 'error', reason: 'malformed' });
  });
});

describe('CRAM-MD5 (RFC 2195)', () => {
  it('matches the RFC 2195 §2 example', () => {
    const c = ctx({ hostname: 'postoffice.reston.mci.net' });
    const m = createMechanism('CRAM-MD5', c)!;
    const challenge = challengeText(m.start(null));
    expect(challenge).toBe('<1896.697170952@postoffice.reston.mci.net>');
    expect(cramDigest('tanstaaftanstaaf', challenge)).toBe('b913a602c7eda7a495b4e6e7334d3890');
    expect(m.next(b('tim b913a602c7eda7a495b4e6e7334d3890'))).toEqual({ type: 'done', user: 'tim' });
  });

  it('accepts the digest Python\'s hmac computes (a real client implementation)', () => {
    const m = createMechanism('CRAM-MD5', ctx({ nonce: () => '424242' }))!;
    const challenge = challengeText(m.start(null));
    const py = execFileSync('python3', ['-c', 'import hmac,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), "md5").hexdigest())', 'secret', challenge]).toString().trim();
    expect(m.next(b(`chris ${py}`))).toEqual({ type: 'done', user: 'chris' });
  });

  it('refuses a wrong digest, and calls a response without digest or with an initial response wrong', () => {
    const m = createMechanism('CRAM-MD5', ctx())!;
    m.start(null);
    expect(m.next(b('tim 00000000000000000000000000000000'))).toMatchObject({ type: 'error', reason: 'bad-credentials', user: 'tim' });
    const m2 = createMechanism('CRAM-MD5', ctx())!;
    m2.start(null);
    expect(m2.next(b('tim'))).toMatchObject({ type: 'error', reason: 'malformed' });
    const m3 = createMechanism('CRAM-MD5', ctx())!;
    m3.start(null);
    expect(m3.next(b('tim xyz'))).toMatchObject({ type: 'error', reason: 'malformed', user: 'tim' });
    expect(createMechanism('CRAM-MD5', ctx())!.start(b('tim'))).toMatchObject({ type: 'error', reason: 'unexpected' });
  });

  it('takes an empty initial response ("=") as none and sends its challenge, as Dovecot does', () => {
    const m = createMechanism('CRAM-MD5', ctx({ nonce: () => '424242' }))!;
    const first = m.start(Buffer.alloc(0));
    expect(first.type).toBe('challenge');
    expect(challengeText(first)).toMatch(/^<.*424242.*>$/);
  });
});

describe('DIGEST-MD5 (RFC 2831)', () => {
  const rfcResponse =
    'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,' +
    'cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth';
  const rfcCtx = () => ctx({ hostname: 'elwood.innosoft.com', nonce: () => 'OA6MG9tEQGm2hh' });

  it('matches the RFC 2831 §4 example: response, rspauth, then the empty final response', () => {
    const m = createMechanism('DIGEST-MD5', rfcCtx())!;
    const first = challengeText(m.start(null));
    expect(first).toBe('realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",charset=utf-8,algorithm=md5-sess');
    expect(challengeText(m.next(b(rfcResponse)))).toBe('rspauth=ea40f60335c427b5527b84dbabcdfffd');
    expect(m.next(Buffer.alloc(0))).toEqual({ type: 'done', user: 'chris' });
  });

  it('computes the RFC values directly', () => {
    expect(digestResponse({ username: 'chris', realm: 'elwood.innosoft.com', password: 'secret', nonce: 'OA6MG9tEQGm2hh', cnonce: 'OA6MHXh6VqTrRk', nc: '00000001', qop: 'auth', digestUri: 'imap/elwood.innosoft.com', utf8: true })).toEqual({
      response: 'd388dad90d4bbd760a152321f2143af7',
      rspauth: 'ea40f60335c427b5527b84dbabcdfffd',
    });
  });

  it('treats a non-empty final response as unexpected (digest-final-response-missing)', () => {
    const m = createMechanism('DIGEST-MD5', rfcCtx())!;
    m.start(null);
    m.next(b(rfcResponse));
    expect(m.next(b('rspauth=ea40f60335c427b5527b84dbabcdfffd'))).toMatchObject({ type: 'error', reason: 'unexpected', user: 'chris' });
  });

  it('accepts any host in digest-uri but only the imap service', () => {
    const resp = (uri: string) => {
      const r = digestResponse({ username: 'chris', realm: 'lab.example', password: 'secret', nonce: 'N1', cnonce: 'C1', nc: '00000001', qop: 'auth', digestUri: uri, utf8: true }).response;
      return b(`username="chris",realm="lab.example",nonce="N1",cnonce="C1",nc=00000001,qop=auth,digest-uri="${uri}",response=${r},charset=utf-8`);
    };
    const run = (uri: string) => {
      const m = createMechanism('DIGEST-MD5', ctx({ nonce: () => 'N1' }))!;
      m.start(null);
      return m.next(resp(uri));
    };
    expect(run('imap/192.168.1.20')).toMatchObject({ type: 'challenge' });
    expect(run('IMAP/other.host')).toMatchObject({ type: 'challenge' });
    expect(run('smtp/lab.example')).toMatchObject({ type: 'error', reason: 'malformed' });
  });

  it('refuses a wrong password, and calls a stale nonce, a wrong nc or garbage malformed', () => {
    const tweak = (from: string, to: string) => {
      const m = createMechanism('DIGEST-MD5', rfcCtx())!;
      m.start(null);
      return m.next(b(rfcResponse.replace(from, to)));
    };
    expect(tweak('d388dad90d4bbd760a152321f2143af7', 'd388dad90d4bbd760a152321f2143af8')).toMatchObject({ type: 'error', reason: 'bad-credentials', user: 'chris' });
    expect(tweak('nonce="OA6MG9tEQGm2hh"', 'nonce="other"')).toMatchObject({ type: 'error', reason: 'malformed' });
    expect(tweak('nc=00000001', 'nc=00000002')).toMatchObject({ type: 'error', reason: 'malformed' });
    expect(tweak('qop=auth', 'qop=auth-conf')).toMatchObject({ type: 'error', reason: 'malformed' });
    expect(tweak('username="chris"', 'username="chris",username="tim"')).toMatchObject({ type: 'error', reason: 'malformed' });
    for (const garbage of ['', 'hello', 'username="unterminated', '=x']) {
      const m = createMechanism('DIGEST-MD5', rfcCtx())!;
      m.start(null);
      expect(m.next(b(garbage))).toMatchObject({ type: 'error', reason: 'malformed' });
    }
    expect(createMechanism('DIGEST-MD5', rfcCtx())!.start(b('x'))).toMatchObject({ type: 'error', reason: 'unexpected' });
    expect(createMechanism('DIGEST-MD5', rfcCtx())!.start(Buffer.alloc(0))).toMatchObject({ type: 'challenge' });
  });

  it('parses directives with LWS, empty elements and quoted escapes', () => {
    expect(Object.fromEntries(parseDirectives(' a = "x\\"y" ,, b=tok ,')!)).toEqual({ a: 'x"y', b: 'tok' });
  });

  it('interoperates with Perl Authen::SASL (a real DIGEST-MD5 client), which verifies our rspauth', () => {
    const m = createMechanism('DIGEST-MD5', ctx({ nonce: () => 'abcXYZ123', passwordFor: (u) => (u === 'tech' ? 'lab-pässword' : undefined) }))!;
    const challenge = challengeText(m.start(null));
    // The client runs twice with a pinned cnonce ($CNONCE) so that the second run can check the
    // rspauth the server computed for the first run's response.
    const script = `
      use strict; use Authen::SASL qw(Perl); use MIME::Base64;
      $Authen::SASL::Perl::DIGEST_MD5::CNONCE = 'pinned-cnonce';
      my $s = Authen::SASL->new(mechanism => 'DIGEST-MD5', callback => { user => 'tech', pass => "lab-p\\x{e4}ssword", authname => '' });
      my $c = $s->client_new('imap', '10.0.0.5');
      $c->client_start();
      my $r = $c->client_step($ARGV[0]);
      print encode_base64($r, ''), "\\n";
      my $line = <STDIN>;
      if (defined $line) { chomp $line; $c->client_step(decode_base64($line)); print $c->error ? "ERR " . $c->error : "OK", "\\n"; }`;
    const first = execFileSync('perl', ['-e', script, challenge], { input: '' }).toString().split('\n')[0]!;
    expect(Buffer.from(first, 'base64').toString()).toContain('digest-uri="imap/10.0.0.5"');
    const rsp = challengeText(m.next(Buffer.from(first, 'base64')));
    expect(rsp).toMatch(/^rspauth=[0-9a-f]{32}$/);
    const out = execFileSync('perl', ['-e', script, challenge], { input: Buffer.from(rsp).toString('base64') + '\n' }).toString().split('\n');
    expect(out[1]).toBe('OK');
    expect(m.next(Buffer.alloc(0))).toEqual({ type: 'done', user: 'tech' });
  });
});
