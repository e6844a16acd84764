/**
 * A bounds-checked ClientHello parser for the farm's own TLS record layer (RFC 5246 §7.4.1.2, RFC 2246 §7.4.1.2,
 * RFC 6101 §5.6.1.2, RFC 8446 §4.1.2). It never throws: every outcome is a `ClientHelloResult`.
 *
 * RFC 5246 §7.4.1.2:
 * ```
 * struct {
 *     ProtocolVersion client_version;
 *     Random random;                                  // 32 bytes
 *     SessionID session_id;                           // <0..32>
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     CompressionMethod compression_methods<1..2^8-1>;
 *     select (extensions_present) {
 *         case false: struct {};
 *         case true:  Extension extensions<0..2^16-1>;
 *     };
 * } ClientHello;
 * ```
 */

/** A ProtocolVersion as its 16-bit code point: 0x0300 SSL 3.0, 0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2, 0x0304 TLS 1.3. */
export type ProtocolVersion = number;

/** What a TLS client offered in its ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2), as the event log shows it. */
export interface ClientHelloSummary {
  /** SNI host name (RFC 6066 §3), or null when none was sent. */
  sni: string | null;
  /** legacy_version of the ClientHello, e.g. `TLSv1.2` (0x0303). */
  version: string;
  /** supported_versions (RFC 8446 §4.2.1) when sent, GREASE removed, e.g. [`TLSv1.3`, `TLSv1.2`]. */
  supportedVersions: string[];
  /** Offered cipher suites as IANA code points, in order, GREASE removed. */
  cipherSuites: number[];
  /** ALPN protocols (RFC 7301). */
  alpn: string[];
  /** JA3 string (version,ciphers,extensions,curves,point formats; decimal, GREASE removed) and its MD5. */
  ja3: string;
  ja3Hash: string;
}

/** Extension code points the engine reads (IANA TLS ExtensionType Values). */
export const EXT = {
  serverName: 0,
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  alpn: 16,
  extendedMasterSecret: 23,
  supportedVersions: 43,
  renegotiationInfo: 0xff01,
} as const;

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3) and TLS_FALLBACK_SCSV (RFC 7507 §2). */
export const SCSV = { emptyRenegotiationInfo: 0x00ff, fallback: 0x5600 } as const;

/** One extension as sent. */
export interface ClientExtension {
  type: number;
  data: Buffer;
}

/** A parsed ClientHello: every field of the message, and the extensions the engine uses decoded. */
export interface ParsedClientHello {
  /** client_version (legacy_version in TLS 1.3). */
  version: ProtocolVersion;
  /** The 32-byte client random. */
  random: Buffer;
  /** session_id, 0–32 bytes. */
  sessionId: Buffer;
  /** Offered cipher suites, in the client's order (GREASE and SCSVs included). */
  cipherSuites: number[];
  /** Offered compression methods (0 = null). */
  compressionMethods: number[];
  /** Extensions in the client's order; empty when the hello has none (an SSLv3-style hello). */
  extensions: ClientExtension[];
  /** server_name host_name (RFC 6066 §3), or null. */
  sni: string | null;
  /** ALPN protocol names (RFC 7301 §3.1). */
  alpn: string[];
  /** supported_versions (RFC 8446 §4.2.1), empty when not sent. */
  supportedVersions: ProtocolVersion[];
  /** signature_algorithms (RFC 5246 §7.4.1.4.1 as {hash,signature} pairs; RFC 8446 §4.2.3 SignatureScheme), as 16-bit values. */
  signatureAlgorithms: number[];
  /** supported_groups / elliptic_curves (RFC 8422 §5.1.1). */
  supportedGroups: number[];
  /** ec_point_formats (RFC 8422 §5.1.2). */
  ecPointFormats: number[];
  /** The client signalled RFC 5746 support: a renegotiation_info extension or TLS_EMPTY_RENEGOTIATION_INFO_SCSV. */
  secureRenegotiation: boolean;
  /** renegotiation_info was present but its renegotiated_connection was not empty (RFC 5746 §3.6: handshake_failure). */
  renegotiationInfoNotEmpty: boolean;
}

/** Outcome of parsing: the hello, or the fatal alert a server sends (RFC 5246 §7.2.2) and why. */
export type ClientHelloResult = { ok: true; hello: ParsedClientHello } | { ok: false; alert: number; reason: string };

/** Thrown inside the parser only; `parseClientHelloBody` turns it into a result. */
class Malformed extends Error {}

/** Reads inside one buffer; any read past the end throws Malformed (caught by the parser). */
class Reader {
  private offset = 0;
  constructor(
    private readonly buffer: Buffer,
    private readonly what: string,
  ) {}
  get remaining(): number {
    return this.buffer.length - this.offset;
  }
  bytes(length: number): Buffer {
    if (length < 0 || length > this.remaining) throw new Malformed(`${this.what}: needs ${length} bytes, ${this.remaining} left`);
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
  vector(prefix: 1 | 2, what: string): Reader {
    return new Reader(this.bytes(prefix === 1 ? this.u8() : this.u16()), what);
  }
}

function u16List(reader: Reader, what: string): number[] {
  if (reader.remaining % 2) throw new Malformed(`${what}: odd length`);
  const out: number[] = [];
  while (reader.remaining) out.push(reader.u16());
  return out;
}

/**
 * Parses the body of a ClientHello handshake message (what follows the 4-byte msg_type/length header).
 * @param body the message body, exactly as long as the handshake header said.
 * @returns the hello, or `{ ok: false, alert: 50 (decode_error) | 47 (illegal_parameter) }` when malformed; never throws.
 */
export function parseClientHelloBody(body: Buffer): ClientHelloResult {
  try {
    const r = new Reader(body, 'ClientHello');
    const version = r.u16();
    const random = Buffer.from(r.bytes(32));
    const sid = r.vector(1, 'session_id');
    if (sid.remaining > 32) return { ok: false, alert: 47, reason: 'session_id longer than 32 bytes' };
    const sessionId = Buffer.from(sid.bytes(sid.remaining));
    const suites = r.vector(2, 'cipher_suites');
    const cipherSuites = u16List(suites, 'cipher_suites');
    if (cipherSuites.length === 0) return { ok: false, alert: 50, reason: 'empty cipher_suites' };
    const compression = r.vector(1, 'compression_methods');
    const compressionMethods = [...compression.bytes(compression.remaining)];
    if (compressionMethods.length === 0) return { ok: false, alert: 50, reason: 'empty compression_methods' };
    const hello: ParsedClientHello = {
      version,
      random,
      sessionId,
      cipherSuites,
      compressionMethods,
      extensions: [],
      sni: null,
      alpn: [],
      supportedVersions: [],
      signatureAlgorithms: [],
      supportedGroups: [],
      ecPointFormats: [],
      secureRenegotiation: cipherSuites.includes(SCSV.emptyRenegotiationInfo),
      renegotiationInfoNotEmpty: false,
    };
    if (r.remaining > 0) {
      const extensions = r.vector(2, 'extensions');
      if (r.remaining !== 0) throw new Malformed('bytes after extensions');
      const seen = new Set<number>();
      while (extensions.remaining) {
        const type = extensions.u16();
        const data = Buffer.from(extensions.bytes(extensions.u16()));
        if (seen.has(type)) return { ok: false, alert: 47, reason: `extension ${type} twice` };
        seen.add(type);
        hello.extensions.push({ type, data });
        readExtension(hello, type, new Reader(data, `extension ${type}`));
      }
    }
    return { ok: true, hello };
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, alert: 50, reason: error.message };
    // Nothing else can be thrown by the code above (only Buffer reads inside checked bounds); be safe anyway.
    return { ok: false, alert: 80, reason: `parser: ${(error as Error).message}` };
  }
}

/** Extensions whose body must be read to its last byte (trailing bytes there are a malformed ClientHello). */
const WHOLE_EXTENSIONS: ReadonlySet<number> = new Set([
  EXT.supportedGroups,
  EXT.ecPointFormats,
  EXT.signatureAlgorithms,
  EXT.alpn,
  EXT.supportedVersions,
  EXT.renegotiationInfo,
]);

function readExtension(hello: ParsedClientHello, type: number, reader: Reader): void {
  switch (type) {
    case EXT.serverName: {
      if (reader.remaining === 0) return; // a server's empty echo; tolerated from clients too
      const list = reader.vector(2, 'server_name_list');
      while (list.remaining) {
        const nameType = list.u8();
        const name = list.bytes(list.u16());
        if (nameType === 0 && hello.sni === null) hello.sni = name.toString('latin1');
      }
      break;
    }
    case EXT.supportedGroups:
      hello.supportedGroups = u16List(reader.vector(2, 'supported_groups'), 'supported_groups');
      break;
    case EXT.ecPointFormats: {
      const formats = reader.vector(1, 'ec_point_formats');
      hello.ecPointFormats = [...formats.bytes(formats.remaining)];
      break;
    }
    case EXT.signatureAlgorithms:
      hello.signatureAlgorithms = u16List(reader.vector(2, 'signature_algorithms'), 'signature_algorithms');
      break;
    case EXT.alpn: {
      const list = reader.vector(2, 'protocol_name_list');
      while (list.remaining) hello.alpn.push(list.bytes(list.u8()).toString('latin1'));
      break;
    }
    case EXT.supportedVersions:
      hello.supportedVersions = u16List(reader.vector(1, 'supported_versions'), 'supported_versions');
      break;
    case EXT.renegotiationInfo: {
      const renegotiated = reader.vector(1, 'renegotiated_connection');
      hello.secureRenegotiation = true;
      if (renegotiated.remaining) hello.renegotiationInfoNotEmpty = true;
      break;
    }
  }
  if (type !== EXT.serverName && reader.remaining !== 0 && WHOLE_EXTENSIONS.has(type)) {
    throw new Malformed(`extension ${type}: trailing bytes`);
  }
}

/**
 * Parses a whole first record as a ClientHello (a 5-byte record header of type 22, then one complete handshake
 * message of type 1 inside it). For the alert listeners and capture: a hello split over several records is
 * reported as not parsable here (the engine in handshake.ts reassembles handshake messages itself).
 * @returns the hello, or the alert; never throws.
 */
export function parseClientHelloRecord(record: Buffer): ClientHelloResult {
  if (record.length < 5) return { ok: false, alert: 50, reason: 'short record header' };
  if (record[0] !== 22) return { ok: false, alert: 10, reason: `record type ${record[0]}, not handshake` };
  const length = record.readUInt16BE(3);
  if (record.length < 5 + length) return { ok: false, alert: 50, reason: 'record shorter than its header says' };
  const fragment = record.subarray(5, 5 + length);
  if (fragment.length < 4) return { ok: false, alert: 50, reason: 'short handshake header' };
  if (fragment[0] !== 1) return { ok: false, alert: 10, reason: `handshake type ${fragment[0]}, not ClientHello` };
  const bodyLength = fragment.readUIntBE(1, 3);
  if (fragment.length !== 4 + bodyLength) return { ok: false, alert: 50, reason: 'ClientHello length does not match its record' };
  return parseClientHelloBody(fragment.subarray(4));
}

/** `TLSv1.2` for 0x0303, `SSLv3` for 0x0300; others as hex. */
export function versionLabel(version: ProtocolVersion): string {
  const names: Record<number, string> = { 768: 'SSLv3', 769: 'TLSv1', 770: 'TLSv1.1', 771: 'TLSv1.2', 772: 'TLSv1.3' };
  return names[version] ?? `0x${version.toString(16).padStart(4, '0')}`;
}
