import type { Mechanism } from './mechanism.js';
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

export type { Mechanism, MechanismContext, ConnectionHandler, PortOwner, ListenerEvent, ListenerEventType } from './mechanism.js';
export type { ClientHelloSummary } from '../tls/client-hello.js';
export type { Transport } from '../transport.js';

const ALL: Mechanism<never>[] = [
  tlsMechanism as Mechanism<never>,
  dnsMechanism as Mechanism<never>,
  connectionFaultMechanism as Mechanism<never>,
  connectTimeoutMechanism as Mechanism<never>,
  handshakeCloseMechanism as Mechanism<never>,
  refuseMechanism as Mechanism<never>,
  httpFaultMechanism as Mechanism<never>,
  plaintextHttpMechanism as Mechanism<never>,
  tlsAlertMechanism as Mechanism<never>,
  legacyTlsMechanism as Mechanism<never>,
  http2Mechanism as Mechanism<never>,
];

/** Every mechanism a scenario file may name in `mechanism`, by name. */
export const MECHANISMS: ReadonlyMap<string, Mechanism<never>> = new Map(ALL.map((mechanism) => [mechanism.name, mechanism]));
