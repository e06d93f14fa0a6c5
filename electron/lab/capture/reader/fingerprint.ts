/**
 * The device from its ClientHello, when the capture holds no HTTP hand-off and no IMAP ID:
 * JA3 (and JA4) of the hello compared with those of the lab's own client profiles — the
 * ClientHellos its simulators send, built by the same code (../../simulate/tls-client.ts), so a
 * capture of the real phone and one of its simulator fingerprint alike.
 *
 * A fingerprint names a TLS stack, not a phone: "TLS 1.0, these five RSA suites, no
 * extensions" is what the Series 40 stack sends, and maybe other stacks of 2006 too. So the
 * match is reported as what it is (source `tls.hello`, the fingerprint in the fields), and a
 * User-Agent or IMAP ID, which names the model, outranks it in the diagnosis (device.ts).
 */
import type { DeviceInfo, DeviceProfile, EventInput } from '../../../api.js';
import { NOKIA_SUITES, buildClientHello } from '../../simulate/tls-client.js';
import { helloEvent, parseClientHello } from '../../tls/hello.js';

interface LabClientHello {
  /** The device profile (resources/profiles) this ClientHello is the simulator of. */
  profileId: string;
  hello: () => Buffer;
}

/** The lab's simulated devices whose ClientHello is their own (not a library's default). */
const LAB_CLIENT_HELLOS: readonly LabClientHello[] = [
  { profileId: 'nokia-6233', hello: () => buildClientHello(NOKIA_SUITES.map(([v]) => v)) },
];

export interface HelloFingerprint {
  profileId: string;
  ja3Hash: string;
  ja4: string;
}

/** JA3 hash and JA4 of the lab's own client profiles. */
export function labFingerprints(): HelloFingerprint[] {
  return LAB_CLIENT_HELLOS.map(({ profileId, hello }) => {
    const r = parseClientHello(hello());
    if (r.status !== 'ok') throw new Error(`the ${profileId} simulator's ClientHello does not parse`);
    const ev = helloEvent('fingerprint', r.hello);
    return { profileId, ja3Hash: ev.ja3Hash ?? '', ja4: ev.ja4 ?? '' };
  });
}

export type HelloMatcher = (hello: EventInput & { kind: 'tls.hello' }) => { device: DeviceInfo; fields: Record<string, string> } | undefined;

/** A matcher against the profiles: JA3 equal (JA4 equal too when both are known). */
export function helloMatcher(profiles: readonly DeviceProfile[]): HelloMatcher {
  const known = labFingerprints().flatMap((f) => {
    const p = profiles.find((x) => x.id === f.profileId);
    return p ? [{ ...f, profile: p }] : [];
  });
  return (hello) => {
    const m = known.find((k) => k.ja3Hash === hello.ja3Hash && (!hello.ja4 || !k.ja4 || hello.ja4 === k.ja4));
    if (!m) return undefined;
    const device: DeviceInfo = { vendor: m.profile.vendor, model: m.profile.model, platform: m.profile.platform, source: 'tls.hello' };
    return {
      device,
      fields: {
        ja3Hash: m.ja3Hash,
        ja4: m.ja4,
        profile: m.profileId,
        match: `ClientHello matches ${m.profile.vendor} ${m.profile.model} (${m.profile.platform})`,
      },
    };
  };
}
