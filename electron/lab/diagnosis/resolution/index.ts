/**
 * From a verdict to a fix: every configuration the phone tried, per direction (receiving mail
 * over IMAP/POP3, sending over SMTP), its outcome and the findings that decided it; the
 * configurations that work, most protected first, with the values to set on the phone, the
 * risk, and what the customer's server needs; what remains worth trying; and when nothing
 * works, the nearest miss. Pure: attempts and findings in, `Resolution` out (DESIGN.md).
 */
import type {
  Attempt,
  DeviceProfile,
  DirectionResolution,
  FailingConfiguration,
  Finding,
  MailDirection,
  Resolution,
  StepName,
  TriedConfiguration,
  WorkingConfiguration,
} from '../../../api.js';
import { LEAVE_ON_SERVER_LABEL, phoneSettings, mechanismWord, securityWord } from './phone-settings.js';
import { standardPort } from './ports.js';
import { PROTECTION_ORDER, protectionOf, riskSentence, weakTls } from './protection.js';
import { serverNeeds } from './server-config.js';

export { serverNeeds } from './server-config.js';
export { protectionOf, riskSentence } from './protection.js';
export { standardPort } from './ports.js';

/** How many untried configurations `next` suggests at most. */
export const MAX_NEXT_SUGGESTIONS = 3;

/**
 * Findings that are the client's own bug with a login method: the same method will fail again
 * whatever the security, so `next` does not suggest it (seed: CRAM-MD5 and DIGEST-MD5 on the
 * 6233 succeed on the server and the phone does not notice).
 */
const MECHANISM_BUGS: ReadonlySet<string> = new Set(['auth-success-ignored', 'empty-line-after-auth', 'auth-retry-after-success', 'digest-final-response-missing', 'login-prompt-mismatch']);

/** TLS findings that rule implicit TLS out for this phone whatever the login (seed: the 6233 on 993 with the CA). */
const TLS_DEAD_ENDS: ReadonlySet<string> = new Set(['tls-no-command']);

export function directionOf(a: Attempt): MailDirection {
  const d = (a as { direction?: MailDirection }).direction;
  if (d) return d;
  return a.proto === 'smtp' ? 'sending' : 'receiving';
}

function configOf(a: Attempt): TriedConfiguration {
  const port = standardPort(a.proto, a.security);
  const c: TriedConfiguration = {
    proto: a.proto,
    port,
    security: a.security,
    mechanism: a.mechanism ?? null,
    tls: a.tls ? { version: a.tls.version, cipher: a.tls.cipher } : null,
    variant: a.variant ?? null,
    attempts: [a.conn],
  };
  if (a.port !== undefined && a.port !== port) c.labPort = a.port;
  if (a.planned?.mechanism === 'AUTO') c.phoneMechanism = 'AUTO';
  if (a.variantLabel !== undefined) c.variantLabel = a.variantLabel;
  return c;
}

function keyOf(c: TriedConfiguration): string {
  return [c.proto, c.security, c.mechanism ?? '-', c.phoneMechanism ?? '-', c.tls?.version ?? '-', c.tls?.cipher ?? '-', c.variant ?? '-'].join('|');
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

function findingsFor(conns: ReadonlySet<string>, findings: readonly Finding[]): Finding[] {
  return findings
    .filter((f) => f.severity !== 'info')
    .filter((f) => (f.conn !== undefined && conns.has(f.conn)) || (Array.isArray(f.data?.connections) && (f.data!.connections as unknown[]).some((c) => conns.has(String(c)))))
    .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

/**
 * The last step that passed before the first one that failed (logout does not count as
 * progress), in the attempt's own step order, so SMTP and POP3 attempts read the same way.
 */
function furthest(attempts: readonly Attempt[]): { step: StepName; depth: number } {
  let best = { step: attempts[0].steps[0]?.step ?? ('connect' as StepName), depth: 0 };
  for (const a of attempts) {
    for (const [i, s] of a.steps.entries()) {
      if (s.result === 'fail') break;
      if (s.result === 'pass' && s.step !== 'logout' && i > best.depth) best = { step: s.step, depth: i };
    }
  }
  return best;
}

function firstFailedStep(attempts: readonly Attempt[]): string | undefined {
  for (const a of attempts) {
    const s = a.steps.find((x) => x.result === 'fail');
    if (s) return `${s.step} failed${s.note ? `: ${s.note}` : ''}`;
  }
  return undefined;
}

/** A configuration in words: "LOGIN without TLS", "CRAM-MD5 over SSL on port 993". */
export function describeConfiguration(c: Pick<TriedConfiguration, 'proto' | 'security' | 'port' | 'mechanism' | 'phoneMechanism'>): string {
  if (c.mechanism === null && c.phoneMechanism === undefined) return `${c.security === 'none' ? 'No TLS' : securityWord(c.proto, c.security, c.port).replace(/^over /, '')}, no login reached`;
  const mech = c.phoneMechanism === 'AUTO' ? `Automatic (${mechanismWord(c.mechanism)})` : mechanismWord(c.mechanism);
  return `${mech} ${securityWord(c.proto, c.security, c.port)}`;
}

interface Group {
  config: TriedConfiguration;
  attempts: Attempt[];
}

function resolveDirection(direction: MailDirection, attempts: readonly Attempt[], findings: readonly Finding[], profile: DeviceProfile | undefined): DirectionResolution {
  const mine = attempts.filter((a) => directionOf(a) === direction);
  if (mine.length === 0) return { status: 'untested', working: [], failing: [], next: [] };
  const groups = new Map<string, Group>();
  for (const a of mine) {
    const c = configOf(a);
    const k = keyOf(c);
    const g = groups.get(k);
    if (g) {
      g.attempts.push(a);
      g.config.attempts.push(a.conn);
    } else groups.set(k, { config: c, attempts: [a] });
  }
  const working: WorkingConfiguration[] = [];
  const failing: FailingConfiguration[] = [];
  /** How far each failing configuration got, by index in `failing`. */
  const depth: number[] = [];
  for (const g of groups.values()) {
    if (g.attempts.some((a) => a.verdict === 'pass')) {
      const protection = protectionOf(g.config.security, g.config.mechanism);
      working.push({
        ...g.config,
        protection,
        phone: phoneSettings(g.config, profile),
        risk: riskSentence(protection, g.config.tls),
        server: serverNeeds(g.config),
      });
    } else {
      const decided = findingsFor(new Set(g.config.attempts), findings);
      const because = decided.length ? decided.map((f) => f.id) : [firstFailedStep(g.attempts) ?? 'the attempt did not reach the mailbox'];
      const far = furthest(g.attempts);
      depth.push(far.depth);
      failing.push({ ...g.config, because: [...new Set(because)], furthestStep: far.step });
    }
  }
  working.sort((a, b) => PROTECTION_ORDER.indexOf(a.protection) - PROTECTION_ORDER.indexOf(b.protection) || Number(weakTls(a.tls) !== null) - Number(weakTls(b.tls) !== null));
  const out: DirectionResolution = { status: working.length ? 'works' : 'fails', working, failing, next: working.length ? [] : nextToTry(mine, failing, findings, profile) };
  if (!working.length && failing.length) {
    let at = 0;
    depth.forEach((d, i) => {
      if (d > depth[at]) at = i;
    });
    const miss = failing[at];
    const f = findings.find((x) => miss.because.includes(x.id));
    out.nearestMiss = {
      configuration: miss,
      wouldTake: f ? f.recommendation : `${describeConfiguration(miss)} got as far as "${miss.furthestStep}": ${miss.because[0]}.`,
    };
  }
  return out;
}

/**
 * What remains worth trying, most protected first: the phone's own choices (profile) not yet
 * tried, leaving out login methods the phone has a bug with and implicit TLS when the phone's
 * TLS is a dead end (it never sends a command after the handshake).
 */
function nextToTry(attempts: readonly Attempt[], failing: readonly FailingConfiguration[], findings: readonly Finding[], profile: DeviceProfile | undefined): string[] {
  const proto = attempts[attempts.length - 1].proto;
  const badMechs = new Set<string>();
  let tlsDead = false;
  let lacksCa = false;
  for (const f of failing) {
    for (const id of f.because) {
      if (MECHANISM_BUGS.has(id) && f.mechanism) {
        badMechs.add(f.mechanism);
        if (f.phoneMechanism) badMechs.add(f.phoneMechanism);
      }
      if (TLS_DEAD_ENDS.has(id) && f.security === 'tls') tlsDead = true;
    }
  }
  for (const f of findings) if (f.id === 'tls-handshake-failed' && (f.data as { reason?: string } | undefined)?.reason === 'client-lacks-ca') lacksCa = true;
  const tried = new Set(attempts.map((a) => `${a.security}|${a.planned?.mechanism === 'AUTO' ? 'AUTO' : (a.mechanism ?? '-')}`));
  const securities = (profile ? (Object.keys(profile.securityChoices) as Array<'none' | 'starttls' | 'tls'>) : (['none', 'starttls', 'tls'] as const)).filter((s) => !(s === 'tls' && tlsDead));
  const mechanisms = profile ? Object.keys(profile.mechanismChoices) : ['LOGIN-COMMAND', 'CRAM-MD5', 'PLAIN'];
  const candidates: Array<{ text: string; rank: number }> = [];
  for (const security of securities) {
    for (const m of mechanisms) {
      if (badMechs.has(m) || tried.has(`${security}|${m}`)) continue;
      if (m === 'AUTO' && (badMechs.size > 0 || tried.has(`${security}|AUTO`))) continue;
      const port = standardPort(proto, security);
      const what = m === 'AUTO' ? `Automatic login ${securityWord(proto, security, port)}` : describeConfiguration({ proto, security, port, mechanism: m });
      const howTo = phoneSettings({ proto, security, port, mechanism: m === 'AUTO' ? null : m, phoneMechanism: m === 'AUTO' ? 'AUTO' : undefined, tls: null, variant: null, attempts: [] }, profile)
        .filter((s) => s.setting && s.setting !== LEAVE_ON_SERVER_LABEL)
        .map((s) => `${s.setting}: ${s.value}`)
        .join(', ');
      const ca = security !== 'none' && lacksCa ? ' (install the lab CA on the phone first)' : '';
      candidates.push({ text: `${what}${ca} — set ${howTo}`, rank: PROTECTION_ORDER.indexOf(protectionOf(security, m === 'AUTO' ? null : m)) });
    }
  }
  return candidates
    .sort((a, b) => a.rank - b.rank)
    .slice(0, MAX_NEXT_SUGGESTIONS)
    .map((c) => c.text);
}

export function resolve(d: { attempts: readonly Attempt[]; findings: readonly Finding[] }, profile?: DeviceProfile): Resolution {
  return {
    receiving: resolveDirection('receiving', d.attempts, d.findings, profile),
    sending: resolveDirection('sending', d.attempts, d.findings, profile),
  };
}
