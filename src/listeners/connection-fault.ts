import type { Socket } from 'node:net';
import { httpHeadEnd, readUntil, type ReadLimits } from './connection/read-until.js';
import { headTimeoutDetail } from './caps.js';
import { writeFill } from './http/filler.js';
import { MAX_BODY_BYTES } from './http/params.js';
import { writeAndWait } from './http/response.js';
import { Type, type Static } from 'typebox';
import { defineMechanism } from './define-mechanism.js';

/** `params` of the `connection-fault` mechanism; `fault` is one of its faults, each on an accepted TCP connection. */
export const ConnectionFaultParams = Type.Object(
  {
    fault: Type.Enum(['reset-on-connect', 'close-on-connect', 'close-after-request', 'reset-mid-response']),
    /** reset-mid-response: the Content-Length announced, in bytes (default 1 MiB). */
    contentLength: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BODY_BYTES })),
    /** reset-mid-response: body bytes sent before the RST (default 1024). */
    sentBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_BODY_BYTES })),
    /** reset-mid-response: ms between the bytes reaching the kernel and the RST (default 50). */
    resetAfterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);
export type ConnectionFaultParams = Static<typeof ConnectionFaultParams>;
/** The faults of the `connection-fault` mechanism. */
export type ConnectionFault = ConnectionFaultParams['fault'];

/** Largest request head read before the fault, in bytes; a larger one just closes. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** Half-closes (FIN) and keeps draining, so unread input never turns the FIN into an RST (RFC 9293 §3.6.1). */
export function finWithoutReply(socket: Socket): void {
  socket.resume();
  socket.end();
}

async function apply(
  params: ConnectionFaultParams,
  socket: Socket,
  raw: Socket,
  fault: (detail: string) => void,
  headTimeoutMs: number,
): Promise<void> {
  const requestLimits: ReadLimits = {
    maxBytes: MAX_REQUEST_BYTES,
    timeoutMs: headTimeoutMs,
    onTimeout: () => fault(headTimeoutDetail(headTimeoutMs)),
  };
  switch (params.fault) {
    case 'reset-on-connect':
      fault('RST on connect');
      raw.resetAndDestroy();
      return;
    case 'close-on-connect':
      fault('FIN on connect');
      finWithoutReply(socket);
      return;
    case 'close-after-request':
      if (!(await readUntil(socket, httpHeadEnd, requestLimits))) return void socket.destroy();
      fault('FIN after the request head');
      finWithoutReply(socket);
      return;
    case 'reset-mid-response': {
      if (!(await readUntil(socket, httpHeadEnd, requestLimits))) return void socket.destroy();
      const length = params.contentLength ?? 1024 * 1024;
      const head = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`;
      const sent = Math.min(params.sentBytes ?? 1024, length);
      // The body comes from the shared filler block, as fast as the client reads: no buffer of its own.
      if (!(await writeAndWait(socket, Buffer.from(head))) || !(await writeFill(socket, sent))) return;
      // The RST must not overtake the bytes: for TLS, wait until the ciphertext has also left the TCP socket's
      // queue (an empty write completes after it), then give the peer resetAfterMs to read.
      raw.write(Buffer.alloc(0), () =>
        setTimeout(() => {
          fault(`RST after ${sent} of ${length} body bytes`);
          raw.resetAndDestroy();
        }, params.resetAfterMs ?? 50),
      );
      return;
    }
  }
}

/**
 * Connection faults below HTTP (cloudfront-502-origin-connection: "The custom origin is ending the connection to
 * CloudFront too quickly"): an RST or a FIN at a chosen point of the exchange — on accept, after the request head,
 * or in the middle of a response. On a `-tls` listener the farm terminates
 * TLS first (or not, with `terminate: false`), and RSTs go out on the TCP socket underneath.
 */
export const connectionFaultMechanism = defineMechanism({
  name: 'connection-fault',
  transport: 'tcp',
  params: ConnectionFaultParams,
  create(params, context) {
    return {
      onConnection(socket, raw) {
        apply(params, socket, raw, (detail) => context.emit({ type: 'fault', detail }), context.caps.headTimeoutMs).catch(
          (error: Error) => {
            context.emit({ type: 'handler-error', error: error.message });
            socket.destroy();
          },
        );
      },
    };
  },
});
