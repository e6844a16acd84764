import { hash } from 'node:crypto';
import { type ClientHelloSummary, type ParsedClientHello, versionLabel } from './client-hello.js';

/** GREASE values (RFC 8701 §2): 0x0a0a, 0x1a1a, … 0xfafa, which JA3 and the event log leave out. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/**
 * The JA3 fingerprint string of a ClientHello: legacy version, cipher suites, extension types, supported groups and
 * EC point formats, each decimal and `-`-joined, GREASE values left out, the five fields `,`-joined (Salesforce JA3).
 */
export function ja3String(hello: ParsedClientHello): string {
  const list = (values: number[]) => values.filter((v) => !isGrease(v)).join('-');
  return [
    String(hello.version),
    list(hello.cipherSuites),
    list(hello.extensions.map((e) => e.type)),
    list(hello.supportedGroups),
    hello.ecPointFormats.join('-'),
  ].join(',');
}

/** The event-log summary of a ClientHello (SNI, versions, suites, ALPN, JA3 and its MD5), GREASE left out. */
export function summarizeClientHello(hello: ParsedClientHello): ClientHelloSummary {
  const ja3 = ja3String(hello);
  return {
    sni: hello.sni,
    version: versionLabel(hello.version),
    supportedVersions: hello.supportedVersions.filter((v) => !isGrease(v)).map(versionLabel),
    cipherSuites: hello.cipherSuites.filter((suite) => !isGrease(suite)),
    alpn: hello.alpn,
    ja3,
    ja3Hash: hash('md5', ja3, 'hex'),
  };
}
