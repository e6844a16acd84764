import type { Socket } from 'node:net';

/** Limits for reading the start of a connection. */
export interface ReadLimits {
  /** Give up after this many bytes without a complete unit. */
  maxBytes: number;
  /** Give up after this many ms. */
  timeoutMs: number;
  /** Called when `timeoutMs` passes first (to report it), before the promise resolves with null. */
  onTimeout?: () => void;
}

/**
 * Reads from `socket` until `complete(buffer)` returns the length of a complete unit (the end of an HTTP request
 * head, a whole TLS record), then stops reading and resolves with the bytes read so far. Resolves with `null` when
 * the peer closes first, the limits are exceeded or the socket errors: the caller then just closes. Never rejects.
 */
export function readUntil(socket: Socket, complete: (buffer: Buffer) => number | null, limits: ReadLimits): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let buffer: Buffer | undefined;
    const finish = (result: Buffer | null) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      // Most units (a ClientHello, a request head) arrive in one chunk: copy only when a second one comes.
      buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk;
      if (complete(buffer) !== null) finish(buffer);
      else if (buffer.length > limits.maxBytes) finish(null);
    };
    const onClose = () => finish(null);
    const timer = setTimeout(() => {
      limits.onTimeout?.();
      finish(null);
    }, limits.timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.resume();
  });
}

/** End of an HTTP/1.x request head (RFC 9112 §2.1: the empty line), as the length of the head; null until then. */
export function httpHeadEnd(buffer: Buffer): number | null {
  const end = buffer.indexOf('\r\n\r\n');
  return end === -1 ? null : end + 4;
}
