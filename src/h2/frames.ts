/**
 * HTTP/2 frames (RFC 9113 §4 and §6), byte-exact: bytes in, parsed values or bytes out, no sockets.
 * Every builder returns one complete frame (a 9-byte header and its payload).
 */

/** Frame types (RFC 9113 §6, Table in §11.2). */
export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags (RFC 9113 §6). ACK shares its bit with END_STREAM (SETTINGS and PING only). */
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** Error codes of RST_STREAM and GOAWAY (RFC 9113 §7). */
export const ERROR_CODE = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** Name of an error code (RFC 9113 §7). */
export type ErrorCodeName = keyof typeof ERROR_CODE;

/** SETTINGS parameters (RFC 9113 §6.5.2). */
export const SETTING = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** Name of a SETTINGS parameter (RFC 9113 §6.5.2). */
export type SettingName = keyof typeof SETTING;

/** Frame header length in bytes (RFC 9113 §4.1). */
export const FRAME_HEADER_BYTES = 9;

/** SETTINGS_MAX_FRAME_SIZE initial value and floor, 2^14 bytes (RFC 9113 §4.2). */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;

/** The client connection preface (RFC 9113 §3.4): `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, 24 bytes, then a SETTINGS frame. */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A frame header (RFC 9113 §4.1): payload length in bytes (24 bits), type, flags, stream id (31 bits; R ignored). */
export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

/** A whole frame: its header and its payload (`payload.length === header.length`). */
export interface Frame extends FrameHeader {
  payload: Buffer;
}

/**
 * Encodes a frame header (RFC 9113 §4.1). The reserved bit is sent as 0.
 * @throws RangeError when length is past 2^24-1 or streamId past 2^31-1.
 */
export function encodeFrameHeader(header: FrameHeader): Buffer {
  if (!Number.isInteger(header.length) || header.length < 0 || header.length > 0xffffff)
    throw new RangeError(`frame length ${header.length} out of range`);
  if (!Number.isInteger(header.streamId) || header.streamId < 0 || header.streamId > 0x7fffffff)
    throw new RangeError(`stream id ${header.streamId} out of range`);
  const bytes = Buffer.alloc(FRAME_HEADER_BYTES);
  bytes.writeUIntBE(header.length, 0, 3);
  bytes[3] = header.type & 0xff;
  bytes[4] = header.flags & 0xff;
  bytes.writeUInt32BE(header.streamId, 5);
  return bytes;
}

/**
 * Decodes the frame header at the start of `bytes` (RFC 9113 §4.1); the reserved bit is ignored.
 * @returns null when fewer than 9 bytes are given.
 */
export function decodeFrameHeader(bytes: Buffer): FrameHeader | null {
  if (bytes.length < FRAME_HEADER_BYTES) return null;
  return { length: bytes.readUIntBE(0, 3), type: bytes[3]!, flags: bytes[4]!, streamId: bytes.readUInt32BE(5) & 0x7fffffff };
}

/** One frame with `payload` (RFC 9113 §4.1). */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeFrameHeader({ length: payload.length, type, flags, streamId }), payload]);
}

/** SETTINGS (RFC 9113 §6.5) on stream 0 with these parameters, in order (6 bytes each). */
export function settingsFrame(settings: Partial<Record<SettingName, number>> = {}): Buffer {
  const entries = Object.entries(settings) as [SettingName, number][];
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([name, value], i) => {
    payload.writeUInt16BE(SETTING[name], i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, payload);
}

/** SETTINGS with ACK and an empty payload (RFC 9113 §6.5). */
export const settingsAckFrame = (): Buffer => frame(FRAME.SETTINGS, FLAG.ACK, 0);

/**
 * Decodes a SETTINGS payload (RFC 9113 §6.5.1): identifier/value pairs in order; unknown identifiers are kept.
 * @returns null when the payload length is not a multiple of 6 (a FRAME_SIZE_ERROR).
 */
export function decodeSettings(payload: Buffer): { id: number; value: number }[] | null {
  if (payload.length % 6 !== 0) return null;
  const settings: { id: number; value: number }[] = [];
  for (let i = 0; i < payload.length; i += 6) settings.push({ id: payload.readUInt16BE(i), value: payload.readUInt32BE(i + 2) });
  return settings;
}

/**
 * HEADERS (RFC 9113 §6.2) carrying `block`, split into CONTINUATION frames (§6.10) of at most `maxFrameSize` bytes
 * each; END_HEADERS on the last, END_STREAM on the HEADERS frame when `endStream`.
 */
export function headersFrames(streamId: number, block: Buffer, endStream: boolean, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): Buffer {
  const frames: Buffer[] = [];
  for (let offset = 0; offset === 0 || offset < block.length; offset += maxFrameSize) {
    const chunk = block.subarray(offset, offset + maxFrameSize);
    const last = offset + maxFrameSize >= block.length;
    const type = offset === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
    const flags = (last ? FLAG.END_HEADERS : 0) | (offset === 0 && endStream ? FLAG.END_STREAM : 0);
    frames.push(frame(type, flags, streamId, chunk));
  }
  return Buffer.concat(frames);
}

/** DATA (RFC 9113 §6.1), unpadded, END_STREAM when `endStream`. */
export const dataFrame = (streamId: number, data: Buffer, endStream: boolean): Buffer =>
  frame(FRAME.DATA, endStream ? FLAG.END_STREAM : 0, streamId, data);

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

/** RST_STREAM (RFC 9113 §6.4) with an error code. */
export const rstStreamFrame = (streamId: number, code: ErrorCodeName): Buffer =>
  frame(FRAME.RST_STREAM, 0, streamId, uint32(ERROR_CODE[code]));

/** GOAWAY (RFC 9113 §6.8): last stream id, error code, optional debug data. */
export function goawayFrame(lastStreamId: number, code: ErrorCodeName, debug = ''): Buffer {
  return frame(
    FRAME.GOAWAY,
    0,
    0,
    Buffer.concat([uint32(lastStreamId & 0x7fffffff), uint32(ERROR_CODE[code]), Buffer.from(debug, 'utf8')]),
  );
}

/** PING (RFC 9113 §6.7) with 8 bytes of opaque data; ACK when answering one. */
export function pingFrame(opaque: Buffer, ack: boolean): Buffer {
  const data = Buffer.alloc(8);
  opaque.copy(data, 0, 0, 8);
  return frame(FRAME.PING, ack ? FLAG.ACK : 0, 0, data);
}

/** WINDOW_UPDATE (RFC 9113 §6.9): a window size increment of 1 to 2^31-1 bytes. */
export const windowUpdateFrame = (streamId: number, increment: number): Buffer =>
  frame(FRAME.WINDOW_UPDATE, 0, streamId, uint32(increment & 0x7fffffff));

/**
 * Checks the start of what a client sent against the client connection preface (RFC 9113 §3.4).
 * @returns `complete` when all 24 bytes are there and right, `partial` when what is there so far is a prefix of it,
 *   `mismatch` otherwise (e.g. an HTTP/1.1 request).
 */
export function checkPreface(bytes: Buffer): 'complete' | 'partial' | 'mismatch' {
  const length = Math.min(bytes.length, CLIENT_PREFACE.length);
  if (!bytes.subarray(0, length).equals(CLIENT_PREFACE.subarray(0, length))) return 'mismatch';
  return length === CLIENT_PREFACE.length ? 'complete' : 'partial';
}

/**
 * The header block fragment of a HEADERS payload (RFC 9113 §6.2): without padding (PADDED) and the priority fields
 * (PRIORITY).
 * @returns null when the padding or priority fields do not fit in the payload (a PROTOCOL_ERROR).
 */
export function headersBlockFragment(flags: number, payload: Buffer): Buffer | null {
  let start = 0;
  let end = payload.length;
  if (flags & FLAG.PADDED) {
    if (payload.length < 1) return null;
    end -= payload[0]!;
    start = 1;
  }
  if (flags & FLAG.PRIORITY) start += 5;
  return start <= end ? payload.subarray(start, end) : null;
}
