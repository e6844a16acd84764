import { createHash } from 'node:crypto';
import type { ClientHelloSummary } from '../listeners/mechanism.js';

/** Why bytes are not a ClientHello; thrown by `parseClientHello`, never anything else. */
export class ClientHelloError extends Error {
  override name = 'ClientHelloError';
}

/** One extension as sent: its type and its raw data. */
export interface RawExtension {
  type: number;
  data: Buffer;
}

/** A ClientHello as parsed from the first TLS record (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2). */
export interface ClientHello {
  /** Version in the record header (often 0x0301 even for TLS 1.3). */
  recordVersion: number;
  /** client_version / legacy_version of the handshake body. */
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  /** Cipher suite code points in the client's order, GREASE included. */
  cipherSuites: number[];
  compressionMethods: number[];
  /** Extensions in the client's order; empty when the hello has none (SSLv3-style). */
  extensions: RawExtension[];
  /** server_name host name (RFC 6066 §3), or null. */
  sni: string | null;
  /** ALPN protocol names (RFC 7301 §3.1). */
  alpn: string[];
  /** supported_versions (RFC 8446 §4.2.1). */
  supportedVersions: number[];
  /** supported_groups / elliptic_curves (RFC 8422 §5.1.1). */
  supportedGroups: number[];
  /** ec_point_formats (RFC 8422 §5.1.2). */
  ecPointFormats: number[];
}

/** A bounds-checked reader: every read past the end throws ClientHelloError. */
class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer, private readonly what: string) {}
  get remaining(): number {
    return this.buffer.length - this.offset;
  }
  bytes(length: number): Buffer {
    if (length > this.remaining) throw new ClientHelloError(`${this.what}: needs ${length} bytes, ${this.remaining} left`);
    const out = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  u8(): number {
    return this.bytes(1)[0]!;
  }
  u16(): number {
    return this.bytes(2).readUInt16BE(0);
  }
  u24(): number {
    return this.bytes(3).readUIntBE(0, 3);
  }
  /** A vector with a length prefix of `prefix` bytes, as a Reader of its own. */
  vector(prefix: 1 | 2, what: string): Reader {
    return new Reader(this.bytes(prefix === 1 ? this.u8() : this.u16()), what);
  }
}

function u16List(reader: Reader, what: string): number[] {
  if (reader.remaining % 2) throw new ClientHelloError(`${what}: odd length`);
  const out: number[] = [];
  while (reader.remaining) out.push(reader.u16());
  return out;
}

/**
 * Parses the first TLS record of a connection as a ClientHello. Reads only inside `record`; every length is checked
 * against what is there, so no input can read out of bounds, loop, or throw anything but ClientHelloError.
 * @param record the bytes of one complete record (5-byte header + fragment), e.g. as `tlsRecordEnd` frames it.
 * @throws ClientHelloError when the bytes are not a well-formed ClientHello in a single handshake record.
 */
export function parseClientHello(record: Buffer): ClientHello {
  const outer = new Reader(record, 'record');
  if (outer.u8() !== 22) throw new ClientHelloError('not a handshake record');
  const recordVersion = outer.u16();
  const fragment = new Reader(outer.bytes(outer.u16()), 'handshake');
  if (fragment.u8() !== 1) throw new ClientHelloError('not a ClientHello');
  const body = new Reader(fragment.bytes(fragment.u24()), 'ClientHello');
  const legacyVersion = body.u16();
  const random = body.bytes(32);
  const sessionIdVector = body.vector(1, 'session_id');
  const sessionId = sessionIdVector.bytes(sessionIdVector.remaining);
  if (sessionId.length > 32) throw new ClientHelloError('session_id longer than 32 bytes');
  const suites = body.vector(2, 'cipher_suites');
  const cipherSuites = u16List(suites, 'cipher_suites');
  const compression = body.vector(1, 'compression_methods');
  const compressionMethods = [...compression.bytes(compression.remaining)];
  const hello: ClientHello = {
    recordVersion, legacyVersion, random, sessionId: Buffer.from(sessionId), cipherSuites, compressionMethods,
    extensions: [], sni: null, alpn: [], supportedVersions: [], supportedGroups: [], ecPointFormats: [],
  };
  if (body.remaining === 0) return hello;
  const extensions = body.vector(2, 'extensions');
  while (extensions.remaining) {
    const type = extensions.u16();
    const data = extensions.bytes(extensions.u16());
    hello.extensions.push({ type, data });
    const reader = new Reader(data, `extension ${type}`);
    switch (type) {
      case 0: {
        const list = reader.vector(2, 'server_name_list');
        while (list.remaining) {
          const nameType = list.u8();
          const name = list.bytes(list.u16());
          if (nameType === 0 && hello.sni === null) hello.sni = name.toString('latin1');
        }
        break;
      }
      case 10:
        hello.supportedGroups = u16List(reader.vector(2, 'supported_groups'), 'supported_groups');
        break;
      case 11: {
        const formats = reader.vector(1, 'ec_point_formats');
        hello.ecPointFormats = [...formats.bytes(formats.remaining)];
        break;
      }
      case 16: {
        const list = reader.vector(2, 'protocol_name_list');
        while (list.remaining) hello.alpn.push(list.bytes(list.u8()).toString('latin1'));
        break;
      }
      case 43:
        hello.supportedVersions = u16List(reader.vector(1, 'supported_versions'), 'supported_versions');
        break;
    }
  }
  return hello;
}

/** GREASE values (RFC 8701 §2): 0x0a0a, 0x1a1a, … 0xfafa, which JA3 leaves out. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

const VERSION_NAMES: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/** `TLSv1.2` for 0x0303; unknown versions as hex. */
export function versionName(version: number): string {
  return VERSION_NAMES[version] ?? `0x${version.toString(16).padStart(4, '0')}`;
}

/**
 * The JA3 fingerprint string of a ClientHello: legacy version, cipher suites, extension types, supported groups and
 * EC point formats, each decimal and `-`-joined, GREASE values left out, the five fields `,`-joined (Salesforce JA3).
 */
export function ja3String(hello: ClientHello): string {
  const list = (values: number[]) => values.filter((v) => !isGrease(v)).join('-');
  return [String(hello.legacyVersion), list(hello.cipherSuites), list(hello.extensions.map((e) => e.type)), list(hello.supportedGroups), hello.ecPointFormats.join('-')].join(',');
}

/** The event-log summary of a ClientHello (SNI, versions, suites, ALPN, JA3 and its MD5). */
export function summarizeClientHello(hello: ClientHello): ClientHelloSummary {
  const ja3 = ja3String(hello);
  return {
    sni: hello.sni,
    version: versionName(hello.legacyVersion),
    supportedVersions: hello.supportedVersions.filter((v) => !isGrease(v)).map(versionName),
    cipherSuites: hello.cipherSuites.filter((s) => !isGrease(s)),
    alpn: hello.alpn,
    ja3,
    ja3Hash: createHash('md5').update(ja3).digest('hex'),
  };
}
