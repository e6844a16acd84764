import { isIP } from 'node:net';
import type { Expectations, Scenario } from './catalogue.js';
import { CDN_COLUMNS, isBySetting } from './cdn/expectation.js';
import { cloudfrontForTls } from './cdn/farm-ca.js';
import { curlArgs, digArgs, opensslArgs, shellQuote } from './client-commands.js';
import { expandPrimary } from './placeholders.js';
import { isTlsTransport, type Transport } from './transport.js';

/** Version tag of the manifest format, also fixed by schema/manifest.schema.json; a reader checks it before trusting the rest. */
export const MANIFEST_FORMAT = 'badorigin-manifest/1';

/** How the reference client connects to a listener: the client that `expect.node` and `expect.curl` describe. */
export interface ManifestConnect {
  /** SNI the client sends; null = none (always null without TLS). */
  sni: string | null;
  /** Name the client checks the certificate against; null without TLS. */
  certHostname: string | null;
  /** Which CA the client trusts: a farm CA file, or the system store (listeners serving `--tls-cert`); null without TLS. */
  trust: 'root' | 'intermediate' | 'system' | null;
  /** Absolute path of the CA file to trust; null for `system` and without TLS. */
  caFile: string | null;
}

/** One listener of the farm. */
export interface ManifestListener {
  id: string;
  scenario: string;
  family: Scenario['family'];
  transport: Transport;
  /** TCP port (0 only in a manifest rendered for `--base-port 0` before binding). */
  port: number;
  title: string;
  fault: string;
  /**
   * Which connections get the fault and which the healthy control (the scenario's `behaviour`, or the one set at run
   * time, src/listeners/behaviour.ts); absent: every connection gets the fault.
   */
  behaviour?: Scenario['behaviour'];
  /** Set when the listener could not be made as promised, e.g. a reserved port another process holds. */
  warning?: string;
  /** For `dns` listeners: the question the reference clients ask the DNS server on `port`. */
  query?: { name: string; type: 'A' };
  /**
   * Content coding the reference clients ask for (`Accept-Encoding`) and decode (curl `--compressed`, Node's zlib),
   * where the fault is in the encoded body; absent: they ask for none.
   */
  acceptEncoding?: 'gzip';
  /** For TLS listeners: whose certificate a client that gets through sees (`user` = `--tls-cert`). */
  certificate?: 'farm' | 'user';
  connect: ManifestConnect;
  expect: Expectations;
  notes?: string[];
  sources: string[];
  /** Copy-ready commands that reproduce `expect.curl`, `expect.openssl` and `expect.dig`. */
  commands: { curl?: string; openssl?: string; dig?: string };
}

/** The whole manifest, as `badorigin manifest --format json`, `serve --manifest-out` and the library give it. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  /** Bind address of every listener. */
  host: string;
  /** The hostname clients use; in every valid certificate's SAN. */
  hostname: string;
  /** All farm hostnames (the first is `hostname`). */
  hostnames: string[];
  trust: { rootCaFile: string; intermediateCaFile: string };
  /** The control API and dashboard, when the farm runs one. */
  control?: { url: string };
  listeners: ManifestListener[];
}

/** The farm-wide facts a manifest is built from. */
export interface ManifestSettings {
  host: string;
  hostnames: string[];
  rootCaFile: string;
  intermediateCaFile: string;
}

/** One planned listener: its scenario, bound (or planned) port, and whether it serves the user's certificate. */
export interface PlannedListener {
  /** The scenario id, or `<scenario>-tls` for the TLS variant. */
  id: string;
  scenario: Scenario;
  transport: Transport;
  port: number;
  /** True for a `<scenario>-tls` listener. */
  tlsVariant: boolean;
  /** True when the farm terminates TLS in front of the mechanism (a `-tls` variant without `terminate: false`). */
  terminateTls: boolean;
  /** Set once bound when the listener could not be made as promised. */
  warning?: string;
  /** For `dns` listeners: the question the reference clients ask. */
  query?: { name: string; type: 'A' };
  /** Content coding the reference clients ask for and decode, when the fault is in the encoded body. */
  acceptEncoding?: 'gzip';
  usesUserCertificate: boolean;
  /** The scenario's expectations, with the `tls` overrides applied for the TLS variant. */
  expect: Expectations;
  notes?: string[];
}

/**
 * The expectations of a TLS listener with every outcome that depends on the farm's `tls-cert` setting defaulting to the
 * certificate the listener actually serves (`user` under --tls-cert), so that a listener's default outcome is the one
 * that holds; CloudFront's gains the farm CA's 502 (src/cdn/farm-ca.ts).
 */
function forCertificate(expect: Expectations, certificate: 'farm' | 'user'): Expectations {
  const adjusted: Expectations = { ...expect };
  for (const { key } of CDN_COLUMNS) {
    const expectation = expect[key];
    if (expectation && isBySetting<object>(expectation) && expectation.setting === 'tls-cert' && certificate in expectation.outcomes) {
      Object.assign(adjusted, { [key]: { ...expectation, default: certificate } });
    }
  }
  const cloudfront = cloudfrontForTls(adjusted.cloudfront, certificate);
  if (cloudfront === undefined) delete adjusted.cloudfront;
  else adjusted.cloudfront = cloudfront;
  return adjusted;
}

/**
 * Builds the manifest from the scenario data and the ports, never by hand: `{hostname}` in `connect` becomes the
 * primary hostname; a primary hostname that is an IP address is never sent as SNI (RFC 6066 §3).
 */
export function buildManifest(settings: ManifestSettings, listeners: PlannedListener[]): Manifest {
  const hostname = settings.hostnames[0]!;
  const resolve = (value: string) => expandPrimary(value, settings.hostnames);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    host: settings.host,
    hostname,
    hostnames: settings.hostnames,
    trust: { rootCaFile: settings.rootCaFile, intermediateCaFile: settings.intermediateCaFile },
    listeners: [],
  };
  for (const planned of listeners) {
    const { scenario } = planned;
    const tls = isTlsTransport(planned.transport);
    const sni =
      scenario.connect?.sni === undefined ? (isIP(hostname) ? null : hostname) : scenario.connect.sni && resolve(scenario.connect.sni);
    const trust = planned.usesUserCertificate ? 'system' : (scenario.connect?.trust ?? 'root');
    const caFile = trust === 'system' ? null : trust === 'root' ? settings.rootCaFile : settings.intermediateCaFile;
    const connect: ManifestConnect = tls
      ? { sni, certHostname: resolve(scenario.connect?.certHostname ?? '{hostname}'), trust, caFile }
      : { sni: null, certHostname: null, trust: null, caFile: null };
    const partial = {
      port: planned.port,
      connect,
      transport: planned.transport,
      query: planned.query,
      acceptEncoding: planned.acceptEncoding,
    };
    manifest.listeners.push({
      id: planned.id,
      scenario: scenario.id,
      family: scenario.family,
      transport: planned.transport,
      port: planned.port,
      title: scenario.title,
      fault: scenario.fault,
      ...(scenario.behaviour ? { behaviour: scenario.behaviour } : {}),
      ...(tls ? { certificate: planned.usesUserCertificate ? ('user' as const) : ('farm' as const) } : {}),
      ...(planned.warning ? { warning: planned.warning } : {}),
      ...(planned.query ? { query: planned.query } : {}),
      ...(planned.acceptEncoding ? { acceptEncoding: planned.acceptEncoding } : {}),
      connect,
      expect: tls ? forCertificate(planned.expect, planned.usesUserCertificate ? 'user' : 'farm') : planned.expect,
      ...(planned.notes ? { notes: planned.notes } : {}),
      sources: scenario.sources,
      commands:
        planned.transport === 'dns'
          ? { dig: shellQuote(digArgs(manifest, partial)) }
          : { curl: shellQuote(curlArgs(manifest, partial)), ...(tls ? { openssl: shellQuote(opensslArgs(manifest, partial)) } : {}) },
    });
  }
  return manifest;
}
