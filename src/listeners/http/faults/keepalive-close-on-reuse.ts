import type { Socket } from 'node:net';
import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, finish, flushed, responseHead, writeAndWait } from '../response.js';

/**
 * Resolves with the first bytes the client sends after the response (`rest`, bytes it pipelined, count at once),
 * `idle` when `idleMs` pass first, or `closed` when the client ends the connection first. Listeners are removed
 * either way.
 */
function nextBytes(socket: Socket, rest: Buffer, idleMs: number): Promise<Buffer | 'idle' | 'closed'> {
  if (rest.length > 0) return Promise.resolve(rest);
  return new Promise((resolve) => {
    const done = (value: Buffer | 'idle' | 'closed') => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => done(chunk);
    const onEnd = () => done('closed');
    const timer = setTimeout(() => done('idle'), idleMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}

/**
 * keepalive-close-on-reuse: answers a first request with a well-formed 200 on a persistent connection (HTTP/1.1, no
 * `Connection: close`, RFC 9112 §9.3), then closes the connection as soon as the client sends anything more on it
 * (the next request, unanswered): what a client whose connection pool reuses an idle connection meets when the
 * origin closed it an instant before (the origin's idle timeout ran out while the request was on its way). `closeWith`
 * `fin` ends the connection (the client reads end of stream); `rst` resets it (what the origin's kernel answers to a
 * request that reaches a socket already closed). A connection nobody reuses is closed (FIN) after `idleMs` (default
 * 5 s, the keep-alive timeout of Apache httpd and Node's http server). A request that asks for `Connection: close` is
 * answered with it and the connection closed: the fault needs a client that keeps the connection.
 */
export const keepaliveCloseOnReuseFault = defineHttpFault({
  name: 'keepalive-close-on-reuse',
  params: {
    /** ms an unused connection stays open after the first response before the origin closes it (default 5000). */
    idleMs: Type.Optional(PARAM.delayMs),
    /** How the reused connection is closed: `fin` (default) or `rst`. */
    closeWith: Type.Optional(Type.Enum(['fin', 'rst'])),
  },
  defaults: { idleMs: 5_000, closeWith: 'fin' },
  async behaviour(context) {
    const { socket, head } = context;
    const close =
      head.headers.some(([name, value]) => name === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) || head.version === 'HTTP/1.0';
    const body = Buffer.from(`badorigin ${context.id}: the first request on this connection; the next one gets no answer\n`);
    const fields: [string, string | number][] = [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', body.length],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
    ];
    const response = Buffer.concat([
      responseHead(200, close ? [...fields, ['Connection', 'close']] : fields),
      head.method === 'HEAD' ? Buffer.alloc(0) : body,
    ]);
    if (!(await writeAndWait(socket, response))) return;
    if (close) {
      context.fault('200 with Connection: close (the request asked for it)');
      await flushed(socket);
      return finish(socket);
    }
    const next = await nextBytes(socket, context.rest, context.params.idleMs);
    if (next === 'closed') {
      context.fault('200 on a persistent connection, which the client closed without reusing it');
      return finish(socket);
    }
    if (next === 'idle') {
      context.fault(`200 on a persistent connection; not reused within ${context.params.idleMs} ms, closed (FIN)`);
      return finish(socket);
    }
    context.fault(
      `200 on a persistent connection, then ${context.params.closeWith === 'rst' ? 'RST' : 'FIN'} on the ${next.length} bytes that reused it`,
    );
    if (context.params.closeWith === 'rst') return void context.raw.resetAndDestroy();
    finish(socket);
  },
});
