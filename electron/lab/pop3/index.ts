/** The instrumented POP3 server (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH) on the lab's mail store. */
export { createPop3Server, type Pop3Server } from './server.js';
export { DEFAULT_POP3_BEHAVIOUR, DEFAULT_POP3_LIMITS, type Pop3Behaviour, type Pop3Limits, type Pop3ServerOptions } from './options.js';
export { Pop3Session } from './session.js';
