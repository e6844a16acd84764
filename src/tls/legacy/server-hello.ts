import { EXT, type ParsedClientHello } from '../client-hello.js';
import { vector } from '../records.js';
import { u16 } from './server-key.js';
import type { LegacySuite } from './suites.js';

/** One extension (RFC 5246 §7.4.1.4): type, then its data as a 16-bit-length vector. */
function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vector(2, data)]);
}

/**
 * The body of a ServerHello (RFC 5246 §7.4.1.3) for the agreed `version` (wire value) and `suite`: `random` (32 bytes),
 * an empty session id, no compression, and only the extensions the client's hello calls for: renegotiation_info
 * (RFC 5746 §3.6) when it signalled secure renegotiation, ec_point_formats (RFC 4492 §5.2, uncompressed) for an ECDHE
 * suite when it sent the extension; no extensions block at all when the client sent none (SSLv3 clients).
 */
export function serverHelloBody(version: number, random: Buffer, suite: LegacySuite, hello: ParsedClientHello): Buffer {
  const extensions: Buffer[] = [];
  if (hello.secureRenegotiation) extensions.push(extension(EXT.renegotiationInfo, Buffer.from([0])));
  if (suite.keyExchange === 'ecdhe_rsa' && hello.ecPointFormats.length)
    extensions.push(extension(EXT.ecPointFormats, vector(1, Buffer.from([0]))));
  return Buffer.concat([
    u16(version),
    random,
    vector(1, Buffer.alloc(0)),
    u16(suite.code),
    Buffer.from([0]),
    ...(extensions.length && hello.extensions.length ? [vector(2, Buffer.concat(extensions))] : []),
  ]);
}
