import type { Transport } from '../transport.js';
import type { Mechanism } from './define-mechanism.js';
import { MECHANISMS } from './index.js';

/** A healthy listener: the scenario it is in scenarios/, its mechanism and params. */
export interface ControlListener {
  scenario: 'tls-ok' | 'http-ok';
  mechanism: Mechanism;
  params: Record<string, unknown>;
}

const tlsOk: ControlListener = { scenario: 'tls-ok', mechanism: MECHANISMS.get('tls')!, params: { certificate: 'valid' } };
const httpOk: ControlListener = { scenario: 'http-ok', mechanism: MECHANISMS.get('http-fault')!, params: { fault: 'ok' } };

/**
 * The control of each kind of fault: the healthy listener a `behaviour` serves the connections that do not get the
 * fault. Chosen by what the fault's mechanism speaks on the socket, since a client must be able to talk to both:
 * TLS faults (the certificate and protocol families, close-during-handshake) get `tls-ok`; plain TCP and HTTP faults
 * (the http and connection families) get `http-ok` (behind the farm's TLS for a `-tls` variant); DNS has none.
 */
export const CONTROLS: Readonly<Record<Transport, ControlListener | null>> = {
  tls: tlsOk,
  https: tlsOk,
  tcp: httpOk,
  http: httpOk,
  dns: null,
};
