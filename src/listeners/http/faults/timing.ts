import { writeFill } from '../filler.js';
import { SCENARIO_HEADER, flushed, gone, finish, responseHead, sleep, writeAndWait } from '../response.js';
import { cacheableResponse } from './cacheable.js';
import type { Behaviour } from './context.js';

/**
 * slow-first-byte: reads the request head, sends nothing for `delayMs` (default 60 s, beyond Fastly's 15 s
 * first_byte_timeout and CloudFront's 30 s origin response timeout), then the cacheable 200.
 * fastly-generated-errors § Errors in VCL: "first byte timeout".
 */
export const slowFirstByte: Behaviour = async (context) => {
  const delay = context.params.delayMs ?? 60_000;
  context.fault(`first byte in ${delay} ms`);
  // Keep reading (and discarding) during the delay, so a client that gives up is noticed and its timer cleared.
  context.socket.resume();
  if (!(await sleep(context.socket, delay))) return;
  context.socket.write(cacheableResponse(context, context.params.maxAgeS ?? 60, [], `first byte after ${delay} ms`));
  finish(context.socket);
};

/**
 * stall-mid-body: the response head (Content-Length `contentLength`, default 1 MiB) and `sentBytes` (default
 * 1024, at most `contentLength` - 1) body bytes as fast as the client reads them (generated from the shared filler
 * block, so no request costs a buffer of its size), then nothing, the connection held open until the client (or the
 * farm's hold cap) ends it. fastly-generated-errors § Errors in VCL: "backend read error" (the between-bytes timeout).
 */
export const stallMidBody: Behaviour = async (context) => {
  const length = context.params.contentLength ?? 1024 * 1024;
  const sent = Math.min(context.params.sentBytes ?? 1024, Math.max(length - 1, 0));
  context.fault(`stalled after ${sent} of ${length} body bytes`);
  const head = responseHead(200, [['Content-Type', 'application/octet-stream'], ['Content-Length', length], ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id]]);
  // Keep reading whatever the client sends, so the kernel never resets a held connection for unread data.
  context.socket.resume();
  if (!(await writeAndWait(context.socket, head))) return;
  await writeFill(context.socket, sent);
};

/**
 * slow-drip: the head at once (Content-Length = chunks × chunkBytes), then one `chunkBytes` chunk every
 * `intervalMs` (defaults 30 × 1024 bytes every 2 s: each gap under a between-bytes timeout, 60 s in all), so only
 * a total-time limit trips. The first chunk goes with the head; chunks are written from the shared filler block.
 */
export const slowDrip: Behaviour = async (context) => {
  const chunks = context.params.chunks ?? 30;
  const size = context.params.chunkBytes ?? 1024;
  const interval = context.params.intervalMs ?? 2_000;
  context.fault(`${chunks} chunks of ${size} bytes, one every ${interval} ms`);
  context.socket.resume();
  context.socket.write(responseHead(200, [['Content-Type', 'application/octet-stream'], ['Content-Length', chunks * size], ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id], ['Connection', 'close']]));
  for (let i = 0; i < chunks; i++) {
    if (i > 0 && !(await sleep(context.socket, interval))) return;
    if (!(await writeFill(context.socket, size))) return;
  }
  finish(context.socket);
};

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
 * the fault for a live one.
 */
export const requestBodyNotRead: Behaviour = (context) => {
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
};

/**
 * True once a paused stream has received its end (EOF) while bytes before it are still unread. Node exposes no
 * public flag for that state (`readableEnded` is only set after those bytes are consumed); `_readableState.ended` is
 * it, stable since Node 0.10.
 */
function eofSeen(stream: NodeJS.ReadableStream): boolean {
  return (stream as NodeJS.ReadableStream & { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

/**
 * request-body-reset: reads the request head, then resets the connection (RST) with the body unread: a proxy still
 * writing the body gets ECONNRESET (Varnish: "backend write error: 104 (Connection reset by peer)";
 * fastly-generated-errors § Errors in VCL: "backend write error"). With no body, the client just sees a reset.
 */
export const requestBodyReset: Behaviour = async (context) => {
  const length = Number(context.head.headers.find(([n]) => n === 'content-length')?.[1] ?? 0);
  context.fault(`RST after the head, ${Number.isFinite(length) ? length : '?'}-byte body unread`);
  await flushed(context.raw);
  if (!gone(context.raw)) context.raw.resetAndDestroy();
};

/**
 * connection-hold: accepts and holds every connection without ever answering (reading and discarding what comes),
 * so a proxy's per-backend connection limit fills up (fastly-generated-errors § Errors in VCL:
 * "Backend.max_conn reached"). Runs before any request is read.
 */
export const connectionHold: Behaviour = (context) => {
  context.fault('holding the connection, no answer');
  context.socket.resume();
};
