import type { Duplex } from 'node:stream';
import type { ListenerEvent } from '../mechanism.js';
import { MAX_RESPONSE_HEAD_BYTES, parseResponseHead } from './response-head.js';

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
