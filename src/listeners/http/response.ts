import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Response header naming the listener that answered (the same as the `tls` mechanism's 200). */
export const SCENARIO_HEADER = 'X-Badorigin-Scenario';

/** Header fields in the order they go on the wire; names and values are written exactly as given. */
export type RawHeaders = [string, string | number][];

/**
 * The bytes of a response head: `HTTP/1.1 <status> <reason>`, the fields as given, the empty line. Nothing is
 * validated or sanitized (that is the point: node:http refuses to write most of the faults).
 * @param reason the reason phrase; default Node's for the status, or `Unknown`.
 */
export function responseHead(status: number, headers: RawHeaders, reason = STATUS_CODES[status] ?? 'Unknown'): Buffer {
  return Buffer.from(`HTTP/1.1 ${status} ${reason}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1');
}

/** True once the socket can no longer be written (destroyed, or our side ended). */
export function gone(socket: Duplex): boolean {
  return socket.destroyed || socket.writableEnded;
}

/**
 * Resolves with true after `ms`, or with false as soon as `socket` closes (the timer is then cleared, so a held
 * connection that the client or the farm ends leaves nothing behind).
 */
export function sleep(socket: Duplex, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(false);
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      socket.off('close', onClose);
      resolve(true);
    }, ms);
    socket.once('close', onClose);
  });
}

/**
 * Writes `chunk` honouring backpressure: resolves with true once the socket can take more (at once, or on `drain`),
 * false when it closes first. The caller must not change `chunk` afterwards.
 */
export function writeAndWait(socket: Duplex, chunk: Buffer): Promise<boolean> {
  if (gone(socket)) return Promise.resolve(false);
  if (socket.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/**
 * Ends our side after the last write (FIN) and keeps draining what the client still sends, so unread request
 * bytes never turn the FIN into an RST (RFC 9293 §3.6.1); a client that never closes is cut off after `lingerMs`.
 */
export function finish(socket: Duplex, lingerMs = 5_000): void {
  if (socket.destroyed) return;
  socket.resume();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Writes `bytes` and then `finish`es the connection. */
export function sendAndClose(socket: Duplex, bytes: Buffer | string): void {
  if (gone(socket)) return;
  socket.write(bytes);
  finish(socket);
}

/** Writes an empty chunk on `socket` and resolves once everything written before it has left (TLS: the ciphertext too). */
export function flushed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (gone(socket)) return resolve();
    socket.write(Buffer.alloc(0), () => resolve());
    socket.once('close', () => resolve());
  });
}

/** A small well-formed response with a text body and `Connection: close`. */
export function simpleResponse(status: number, body: string, extra: RawHeaders = [], head = false): Buffer {
  const payload = Buffer.from(body);
  const headers: RawHeaders = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', payload.length],
    ...extra,
    ['Connection', 'close'],
  ];
  return Buffer.concat([responseHead(status, headers), head ? Buffer.alloc(0) : payload]);
}
