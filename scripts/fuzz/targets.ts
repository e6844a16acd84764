import { loadCatalogue } from '../../src/catalogue.js';
import type { Manifest, ManifestListener } from '../../src/manifest.js';

/** Scenarios that accept no connection by design (refused, or never past the TCP handshake): nothing to fuzz. */
const NOT_ACCEPTING = new Set(['connection-refused', 'connect-timeout']);

/** The listeners each fuzzer feeds. */
export interface FuzzTargets {
  /** ClientHellos: every TLS and legacy-TLS listener, i.e. transport `tls` and `https` (the `-tls` variants). */
  tls: ManifestListener[];
  /** Malformed HTTP over TCP: transport `http`, and the `tcp` connection faults that accept a connection. */
  http: ManifestListener[];
  /** Malformed HTTP inside a completed handshake: the `https` listeners (the HTTP faults' `-tls` variants). */
  httpOverTls: ManifestListener[];
  /** Malformed HTTP/2: the `http2` family, each over cleartext (h2c with prior knowledge) and inside TLS with ALPN h2. */
  h2: ManifestListener[];
}

/** Splits a farm's listeners into the fuzzers' targets (DNS listeners have their own tests, not these fuzzers). */
export function fuzzTargets(manifest: Manifest): FuzzTargets {
  const accepting = manifest.listeners.filter((l) => !NOT_ACCEPTING.has(l.scenario));
  return {
    tls: accepting.filter((l) => l.transport === 'tls' || l.transport === 'https'),
    http: accepting.filter((l) => l.transport === 'http' || l.transport === 'tcp'),
    httpOverTls: accepting.filter((l) => l.transport === 'https'),
    h2: accepting.filter((l) => l.family === 'http2'),
  };
}

/**
 * A listener's kind for the summary: its mechanism (src/listeners/), `+tls` for a `-tls` variant, e.g. `legacy-tls`,
 * `tls-alert`, `tls`, `http-fault+tls`, `connection-fault`.
 */
export function targetKinds(manifest: Manifest): Map<number, string> {
  const mechanisms = new Map(loadCatalogue().map((e) => [e.scenario.id, e.mechanism.name]));
  return new Map(manifest.listeners.map((l) => [l.port, `${mechanisms.get(l.scenario) ?? l.family}${l.id !== l.scenario ? '+tls' : ''}`]));
}
