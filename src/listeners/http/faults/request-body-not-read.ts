import { BLOCKING_BODY_BYTES } from '../../../client-request.js';
import { defineHttpFault } from '../define-fault.js';
import type { RequestContext } from './context.js';

/**
 * How often a held request-body-not-read connection asks its kernel whether the peer is still there, in ms: a
 * zero-length write, which puts nothing on the wire but fails (ECONNRESET, EPIPE, ETIMEDOUT) once the connection is
 * gone. node:net does not poll a paused socket whose buffer is full, so without it a reset is never seen.
 */
export const PEER_PROBE_MS = 2_000;

/**
 * Idle time before the kernel sends a TCP keepalive probe on a held request-body-not-read connection, in ms: longer
 * than the longest interval between a sender's zero-window probes (Linux: TCP_RTO_MAX, 120 s), so the keepalive
 * never resets the timer of a peer that has closed (its FIN queued behind the body we do not read) and is waiting
 * for its kernel to give up on it (RFC 9293 §3.8.6.1); once that peer socket is gone, the probe gets an RST.
 */
export const PEER_KEEPALIVE_MS = 150_000;

const NOTHING = Buffer.alloc(0);

/**
 * request-body-not-read: reads the request head, then never reads again and never answers: a large request body
 * fills the socket buffers and the client's write blocks (nginx: 504 "while sending request to upstream";
 * Varnish waits). The connection is held until the peer goes away or the farm's hold cap ends it. A peer that goes
 * away is seen:
 * - when its FIN (or a pipelined request's) is among the bytes node:net reads anyway (its 16 KiB high-water mark);
 * - when the connection is reset (the peer closed with SO_LINGER 0, or with our bytes unread; or a keepalive
 *   probe found its socket gone): a zero-length write every PEER_PROBE_MS reports it;
 * - when a peer that closed behind a full window (its FIN queued after the unread body: squid's write_timeout,
 *   nginx's proxy_send_timeout) is given up by its kernel (Linux: after its zero-window probes back off to 120 s,
 *   about 5.5 min after the window closed): the next keepalive (PEER_KEEPALIVE_MS) gets an RST.
 * Before that, such a peer cannot be told from a live one without sending it response bytes, which would change
 * the fault for a live one. Clients POST a body larger than the socket buffers.
 */
export const requestBodyNotReadFault = defineHttpFault({
  name: 'request-body-not-read',
  params: {},
  defaults: {},
  request: () => ({ method: 'POST', bodyBytes: BLOCKING_BODY_BYTES }),
  behaviour: (context) => holdUnread(context),
});

function holdUnread(context: RequestContext): void {
  context.fault(`stopped reading after the ${context.head.headBytes}-byte head`);
  const socket = context.socket;
  socket.pause();
  // Not reading also means not seeing the client's FIN behind the unread bytes, so a client that sent a small body
  // (or a pipelined request) and gave up stayed held until --max-hold-ms. node:net keeps reading into the paused
  // stream up to its high-water mark (16 KiB) anyway; when the end of the input is among those bytes ('readable'
  // fires with the stream's EOF seen), the client has gone: close. A body larger than the buffers still blocks the
  // client's writes, which is the fault.
  socket.on('readable', () => {
    if (eofSeen(socket)) socket.destroy();
  });
  const raw = context.raw;
  raw.setKeepAlive(true, PEER_KEEPALIVE_MS);
  // On the TCP socket, under TLS too: zero bytes there are no TLS record, just the syscall and its error.
  const probe = setInterval(() => {
    if (!raw.destroyed) raw.write(NOTHING);
  }, PEER_PROBE_MS);
  socket.once('close', () => clearInterval(probe));
  raw.once('close', () => {
    clearInterval(probe);
    socket.destroy();
  });
}

/**
 * True once a paused stream has received its end (EOF) while bytes before it are still unread. Node exposes no
 * public flag for that state (`readableEnded` is only set after those bytes are consumed); `_readableState.ended` is
 * it, stable since Node 0.10.
 */
function eofSeen(stream: NodeJS.ReadableStream): boolean {
  return (stream as NodeJS.ReadableStream & { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}
