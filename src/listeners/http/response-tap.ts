import type { Duplex } from 'node:stream';
import { Type, type Static } from 'typebox';
import type { ListenerEvent } from '../mechanism.js';

/** Most bytes of a response head the farm records; a longer head (header-overflow) is recorded clipped. */
export const MAX_RESPONSE_HEAD_BYTES = 4096;
/** Most header fields of a response head the farm records; the rest are counted in `headersOmitted`. */
export const MAX_RESPONSE_HEAD_FIELDS = 32;

/**
 * The head of an HTTP response as the farm wrote it (RFC 9112 §4 status line, §5 field lines), read back from its
 * first MAX_RESPONSE_HEAD_BYTES bytes: the status line as written (a fault's malformed one included), the field
 * lines as `[name, value]` with the value trimmed (a line without a colon is `[line, '']`), at most
 * MAX_RESPONSE_HEAD_FIELDS of them, and `headBytes`, its length in bytes up to and with the empty line. `clipped`
 * when the head went on past MAX_RESPONSE_HEAD_BYTES or ended (connection closed, fault held it) before its empty
 * line; `headBytes` then counts the bytes recorded.
 */
export const ResponseHeadSent = Type.Object({
  statusLine: Type.String(),
  headers: Type.Array(Type.Tuple([Type.String(), Type.String()])),
  headersOmitted: Type.Optional(Type.Integer()),
  headBytes: Type.Integer(),
  clipped: Type.Optional(Type.Boolean()),
});
export type ResponseHeadSent = Static<typeof ResponseHeadSent>;

/** The response head of `bytes` (its first MAX_RESPONSE_HEAD_BYTES bytes at most), see `ResponseHeadSent`. */
export function parseResponseHead(bytes: Buffer): ResponseHeadSent {
  const end = bytes.indexOf('\r\n\r\n');
  const complete = end >= 0;
  const head = bytes.subarray(0, complete ? end : bytes.length).toString('latin1');
  const [statusLine = '', ...lines] = head.split(/\r?\n/);
  const fields = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const sent: ResponseHeadSent = {
    statusLine,
    headers: fields.slice(0, MAX_RESPONSE_HEAD_FIELDS),
    headBytes: complete ? end + 4 : bytes.length,
  };
  if (fields.length > MAX_RESPONSE_HEAD_FIELDS) sent.headersOmitted = fields.length - MAX_RESPONSE_HEAD_FIELDS;
  if (!complete) sent.clipped = true;
  return sent;
}

/** A written chunk as bytes (a string in its encoding, default UTF-8, as `write` would encode it). */
function bytesOf(chunk: unknown, encoding: unknown): Buffer | null {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
  return chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : null;
}

/**
 * Records the next response head written on `socket`: watches its `write` and `end` from now until the head's empty
 * line or MAX_RESPONSE_HEAD_BYTES, then reports one `response` event and stops watching (the socket's own methods
 * are back). A head cut short by the end or close of the socket is reported as far as it went, `clipped`. The one
 * place every response head of a listener goes out is the socket, whichever fault wrote it and however. Never throws.
 */
export function tapResponseHead(socket: Duplex, emit: (event: Omit<ListenerEvent, 'listener' | 'time'>) => void): void {
  const { write, end } = socket;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  const report = () => {
    if (done) return;
    done = true;
    Reflect.deleteProperty(socket, 'write');
    Reflect.deleteProperty(socket, 'end');
    socket.off('close', report);
    if (length > 0) emit({ type: 'response', response: parseResponseHead(Buffer.concat(chunks)) });
  };
  const take = (chunk: unknown, encoding: unknown) => {
    const bytes = done ? null : bytesOf(chunk, encoding);
    if (!bytes || bytes.length === 0) return;
    const kept = bytes.subarray(0, MAX_RESPONSE_HEAD_BYTES - length);
    chunks.push(Buffer.from(kept));
    length += kept.length;
    if (length >= MAX_RESPONSE_HEAD_BYTES || Buffer.concat(chunks).includes('\r\n\r\n')) report();
  };
  socket.write = function tappedWrite(this: Duplex, ...args: Parameters<Duplex['write']>) {
    take(args[0], args[1]);
    return write.apply(this, args);
  } as Duplex['write'];
  socket.end = function tappedEnd(this: Duplex, ...args: Parameters<Duplex['end']>) {
    if (typeof args[0] !== 'function') take(args[0], args[1]);
    report();
    return end.apply(this, args);
  } as Duplex['end'];
  socket.once('close', report);
}
