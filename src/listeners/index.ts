import type { Mechanism } from './define-mechanism.js';
import { tlsMechanism } from './tls.js';
import { dnsMechanism } from './dns.js';
import { connectionFaultMechanism } from './connection-fault.js';
import { connectTimeoutMechanism } from './connect-timeout.js';
import { handshakeCloseMechanism } from './handshake-close.js';
import { refuseMechanism } from './refuse.js';
import { httpFaultMechanism } from './http-fault.js';
import { plaintextHttpMechanism } from './plaintext-http.js';
import { tlsAlertMechanism } from './tls-alert.js';
import { legacyTlsMechanism } from './legacy-tls.js';
import { http2Mechanism } from './http2.js';
import { handshakeStallMechanism } from './handshake-stall.js';
import { recordOverflowMechanism } from './record-overflow.js';
import { revocationResponderMechanism } from './revocation-responder.js';

export type { MechanismContext, ConnectionHandler, PortOwner, ListenerEvent, ListenerEventType } from './mechanism.js';
export type { Mechanism, DnsQuestion } from './define-mechanism.js';
export type { ClientHelloSummary } from '../tls/client-hello.js';
export type { Transport } from '../transport.js';

/** Every mechanism, one line each (src/listeners/define-mechanism.ts says what a module declares). */
const ALL: readonly Mechanism[] = [
  tlsMechanism,
  dnsMechanism,
  connectionFaultMechanism,
  connectTimeoutMechanism,
  handshakeCloseMechanism,
  refuseMechanism,
  httpFaultMechanism,
  plaintextHttpMechanism,
  tlsAlertMechanism,
  legacyTlsMechanism,
  http2Mechanism,
  handshakeStallMechanism,
  recordOverflowMechanism,
  revocationResponderMechanism,
];

/** Every mechanism a scenario file may name in `mechanism`, by name. */
export const MECHANISMS: ReadonlyMap<string, Mechanism> = new Map(ALL.map((mechanism) => [mechanism.name, mechanism]));
