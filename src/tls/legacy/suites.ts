import { EXT, type ParsedClientHello } from '../client-hello.js';
import { Alert } from '../records.js';

/** Protocol versions the engine can answer with (RFC 6101, 2246, 4346, 5246). */
export const LEGACY_VERSIONS = { SSLv3: 0x0300, TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303 } as const;
export type LegacyVersionName = keyof typeof LEGACY_VERSIONS;
/** The names of LEGACY_VERSIONS, as a list (a scenario's `versions` are checked against it). */
export const LEGACY_VERSION_NAMES = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'] as const satisfies readonly LegacyVersionName[];

/** A cipher suite the engine implements: key exchange, MAC. All use RC4-128 (RFC 5246 App. A.5, RFC 4492 §6). */
export interface LegacySuite {
  code: number;
  keyExchange: 'rsa' | 'ecdhe_rsa';
  mac: 'sha1' | 'md5';
}

/** The suites by IANA name. */
export const LEGACY_SUITES = {
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: { code: 0xc011, keyExchange: 'ecdhe_rsa', mac: 'sha1' },
  TLS_RSA_WITH_RC4_128_SHA: { code: 0x0005, keyExchange: 'rsa', mac: 'sha1' },
  TLS_RSA_WITH_RC4_128_MD5: { code: 0x0004, keyExchange: 'rsa', mac: 'md5' },
} as const satisfies Record<string, LegacySuite>;
export type LegacySuiteName = keyof typeof LEGACY_SUITES;
/** The names of LEGACY_SUITES, as a list (a scenario's `suites` are checked against it). */
export const LEGACY_SUITE_NAMES = [
  'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  'TLS_RSA_WITH_RC4_128_SHA',
  'TLS_RSA_WITH_RC4_128_MD5',
] as const satisfies readonly LegacySuiteName[];

/** secp256r1 (RFC 8422 §5.1.1 NamedCurve 23), the only ECDHE group the engine offers. */
export const SECP256R1 = 23;

/**
 * Picks the version to answer with (RFC 5246 Appendix E.1; RFC 8446 §4.2.1 for supported_versions): the highest of
 * `ours` that the client offers. A client that sends supported_versions offers exactly that list; one that does not
 * offers every version from SSL 3.0 up to its client_version.
 * @returns the version, or null when there is none in common (the server then sends protocol_version, 70).
 */
export function chooseVersion(hello: Pick<ParsedClientHello, 'version' | 'supportedVersions'>, ours: number[]): number | null {
  const offered = (v: number) => (hello.supportedVersions.length ? hello.supportedVersions.includes(v) : v >= 0x0300 && v <= hello.version);
  const common = ours.filter(offered);
  return common.length ? Math.max(...common) : null;
}

/** What a ClientHello and the server's configuration agree on. */
export interface Negotiated {
  version: number;
  suite: LegacySuite;
  /** TLS 1.2 ECDHE_RSA: the SignatureAndHashAlgorithm of the ServerKeyExchange (RFC 5246 §7.4.1.4.1); 0 otherwise. */
  signatureScheme: number;
}

/**
 * Chooses version, suite and signature scheme for a ClientHello from the server's `versions` and `suites` (in its
 * preference order).
 * @returns what was agreed, or the fatal alert (RFC 5246 §7.2.2) and why.
 */
export function negotiate(
  hello: ParsedClientHello,
  versions: number[],
  suites: LegacySuite[],
): Negotiated | { alert: number; reason: string } {
  const version = chooseVersion(hello, versions);
  if (version === null)
    return {
      alert: Alert.protocolVersion,
      reason: `no common version (client ${hello.version.toString(16)}, supported_versions [${hello.supportedVersions.map((v) => v.toString(16))}])`,
    };
  if (hello.renegotiationInfoNotEmpty)
    return { alert: Alert.handshakeFailure, reason: 'renegotiation_info not empty on an initial handshake (RFC 5746 §3.6)' };
  if (!hello.compressionMethods.includes(0)) return { alert: Alert.illegalParameter, reason: 'null compression not offered' };
  const ecdheUsable =
    version >= 0x0301 &&
    (hello.supportedGroups.length === 0 || hello.supportedGroups.includes(SECP256R1)) &&
    (hello.ecPointFormats.length === 0 || hello.ecPointFormats.includes(0));
  const suite = suites.find((s) => hello.cipherSuites.includes(s.code) && (s.keyExchange === 'rsa' || ecdheUsable));
  if (!suite) return { alert: Alert.handshakeFailure, reason: 'no shared cipher suite' };
  let signatureScheme = 0;
  if (suite.keyExchange === 'ecdhe_rsa' && version >= 0x0303) {
    // RFC 5246 §7.4.1.4.1: without the extension, the client is taken to support {sha1, rsa}.
    const offered = hello.extensions.some((e) => e.type === EXT.signatureAlgorithms) ? hello.signatureAlgorithms : [0x0201];
    signatureScheme = [0x0401, 0x0501, 0x0601, 0x0201].find((s) => offered.includes(s)) ?? 0;
    if (!signatureScheme) return { alert: Alert.handshakeFailure, reason: 'no RSA PKCS#1 v1.5 signature algorithm offered' };
  }
  return { version, suite, signatureScheme };
}
