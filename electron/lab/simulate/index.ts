/** Simulated phones: scripted clients reproducing real devices' IMAP and TLS behaviour. */
export { SCENARIOS, runScenario, expectedFindings, scenario, NOKIA_PAUSE_MS, SYMBIAN_CHUNK_BYTES, NOKIA6234_CHECKS } from './scenarios.js';
export type { Scenario, ScenarioId, RunOptions, ScenarioRun } from './scenarios.js';
export { ScriptedClient, SimulationError, RESPONSE_TIMEOUT_MS } from './wire.js';
export { buildClientHello, buildAlert, parseServerFlight, helloThenRejectCertificate, handshakeThenSilence, gnutlsAvailable, GNUTLS_NOKIA_PRIORITY, NOKIA_SUITES } from './tls-client.js';
export { SCANNER_SUITES, SCAN_ATTACHMENT_BYTES } from './smtp-scenarios.js';
export { legacyTlsConnect, LEGACY_HANDSHAKE_TIMEOUT_MS } from './legacy-tls.js';
export { cramMd5Response, digestMd5Response, parseDigestChallenge, plainInitial } from './sasl.js';
