/**
 * TLS record layer framing (RFC 5246 §6.2, RFC 2246 §6.2, RFC 6101 §5.2): content types, alerts, and an incremental
 * reader that cuts a byte stream into records and a record stream into handshake messages. No cryptography here
 * (see legacy/cipher-state.ts). Nothing in this module throws on peer input: malformed input is reported as a fatal alert.
 *
 * RFC 5246 §6.2.1:
 * ```
 * struct {
 *     ContentType type;             // change_cipher_spec(20), alert(21), handshake(22), application_data(23)
 *     ProtocolVersion version;
 *     uint16 length;                // MUST NOT exceed 2^14 (+2048 for TLSCiphertext, §6.2.3)
 *     opaque fragment[TLSPlaintext.length];
 * } TLSPlaintext;
 * ```
 */

/** ContentType (RFC 5246 §6.2.1). */
export const ContentType = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

/** HandshakeType (RFC 5246 §7.4). */
export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
} as const;

/**
 * AlertDescription values used by the farm (RFC 5246 §7.2, RFC 8446 §6.2 for 116): close_notify 0,
 * unexpected_message 10, bad_record_mac 20, record_overflow 22, handshake_failure 40, illegal_parameter 47,
 * decode_error 50, decrypt_error 51, protocol_version 70, insufficient_security 71, internal_error 80, unrecognized_name 112 (RFC 6066 §3).
 */
export const Alert = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  recordOverflow: 22,
  handshakeFailure: 40,
  illegalParameter: 47,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  insufficientSecurity: 71,
  internalError: 80,
  unrecognizedName: 112,
} as const;

/** Largest plaintext fragment (RFC 5246 §6.2.1: 2^14). */
export const MAX_PLAINTEXT = 16_384;
/** Largest ciphertext fragment accepted (RFC 5246 §6.2.3: 2^14 + 2048). */
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 2048;

/** Length of the first complete TLS record (RFC 8446 §5.1: 5-byte header, then `length` bytes); null until then. */
export function tlsRecordEnd(buffer: Buffer): number | null {
  if (buffer.length < 5) return null;
  const end = 5 + buffer.readUInt16BE(3);
  return buffer.length >= end ? end : null;
}

/** One record as read off the wire. */
export interface TlsRecord {
  type: number;
  version: number;
  fragment: Buffer;
}

/** Encodes one record: 5-byte header + fragment. @throws RangeError when the fragment is longer than 2^14 + 2048. */
export function encodeRecord(type: number, version: number, fragment: Buffer): Buffer {
  if (fragment.length > MAX_CIPHERTEXT) throw new RangeError(`record fragment of ${fragment.length} bytes`);
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt16BE(version, 1);
  header.writeUInt16BE(fragment.length, 3);
  return Buffer.concat([header, fragment]);
}

/**
 * A record header whose length field says `length` bytes, followed by that many zero bytes, with no check on the
 * length: for `length` over MAX_CIPHERTEXT it is the record RFC 8446 §5.2 and RFC 5246 §6.2.3 tell the receiver to
 * answer with a fatal record_overflow alert. @throws RangeError when `length` does not fit the 16-bit field.
 */
export function oversizedRecord(type: number, version: number, length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) throw new RangeError(`record length ${length}`);
  const record = Buffer.alloc(5 + length);
  record[0] = type;
  record.writeUInt16BE(version, 1);
  record.writeUInt16BE(length, 3);
  return record;
}

/** An alert record (RFC 5246 §7.2: `struct { AlertLevel level; AlertDescription description; }`, level 2 = fatal). */
export function alertRecord(description: number, version: number, level: 1 | 2 = 2): Buffer {
  return encodeRecord(ContentType.alert, version, Buffer.from([level, description]));
}

/** A handshake message: msg_type (1 byte), length (uint24), body (RFC 5246 §7.4). */
export function handshakeMessage(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([header, body]);
}

/** A vector with a 1-, 2- or 3-byte length prefix (RFC 5246 §4.3). */
export function vector(prefix: 1 | 2 | 3, body: Buffer): Buffer {
  const length = Buffer.alloc(prefix);
  length.writeUIntBE(body.length, 0, prefix);
  return Buffer.concat([length, body]);
}

/** Result of feeding bytes: whole records so far, or the fatal alert the stream earned. */
export type RecordFeed = { records: TlsRecord[]; error?: undefined } | { records: TlsRecord[]; error: { alert: number; reason: string } };

/**
 * Cuts a byte stream into records. Buffers at most one record (≤ 2^14 + 2048 + 5 bytes).
 * A record with an unknown content type, a major version other than 3, or an oversized length ends the stream with
 * a fatal alert (unexpected_message / protocol_version / record_overflow) — RFC 5246 §6.2.1, §6.2.3.
 */
export class RecordReader {
  private buffer: Buffer = Buffer.alloc(0);
  private failed = false;

  /** Adds bytes; returns the records they complete. After an error, returns no more records. */
  feed(chunk: Buffer): RecordFeed {
    if (this.failed) return { records: [] };
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const records: TlsRecord[] = [];
    while (this.buffer.length >= 5) {
      const type = this.buffer[0]!;
      const version = this.buffer.readUInt16BE(1);
      const length = this.buffer.readUInt16BE(3);
      const fail = (alert: number, reason: string): RecordFeed => {
        this.failed = true;
        this.buffer = Buffer.alloc(0);
        return { records, error: { alert, reason } };
      };
      if (type < 20 || type > 23) return fail(Alert.unexpectedMessage, `record type ${type}`);
      if (version >> 8 !== 3) return fail(Alert.protocolVersion, `record version 0x${version.toString(16)}`);
      if (length > MAX_CIPHERTEXT) return fail(Alert.recordOverflow, `record of ${length} bytes`);
      if (this.buffer.length < 5 + length) break;
      records.push({ type, version, fragment: Buffer.from(this.buffer.subarray(5, 5 + length)) });
      this.buffer = this.buffer.subarray(5 + length);
    }
    return { records };
  }
}

/** One handshake message: its type, body, and the exact bytes (header + body) that go into the transcript hash. */
export interface HandshakeMessage {
  type: number;
  body: Buffer;
  raw: Buffer;
}

/**
 * Reassembles handshake messages from handshake-record fragments (a message may span records, and a record may carry
 * several messages; RFC 5246 §6.2.1). Bounded: a message longer than `maxMessage` bytes is an error.
 */
export class HandshakeReader {
  private buffer: Buffer = Buffer.alloc(0);
  constructor(private readonly maxMessage = 65_536) {}

  /** Adds a fragment; returns the whole messages it completes, or an error (decode_error / illegal_parameter). */
  feed(fragment: Buffer): { messages: HandshakeMessage[]; error?: { alert: number; reason: string } } {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, fragment]) : fragment;
    const messages: HandshakeMessage[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntBE(1, 3);
      if (length > this.maxMessage)
        return { messages, error: { alert: Alert.illegalParameter, reason: `handshake message of ${length} bytes` } };
      if (this.buffer.length < 4 + length) break;
      const raw = Buffer.from(this.buffer.subarray(0, 4 + length));
      messages.push({ type: raw[0]!, body: raw.subarray(4), raw });
      this.buffer = this.buffer.subarray(4 + length);
    }
    return { messages };
  }

  /** True when part of a message is buffered (a ChangeCipherSpec must not arrive then, RFC 5246 §7.1). */
  get pending(): boolean {
    return this.buffer.length > 0;
  }
}
