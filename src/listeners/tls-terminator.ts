import type { Socket } from 'node:net';
import { createSecureContext, createServer, type Server, type TLSSocket, type TlsOptions } from 'node:tls';
import { captureClientHello } from './connection/client-hello-capture.js';
import { handshakeDeadline } from './connection/handshake-deadline.js';
import type { ConnectionHandler, MechanismContext } from './mechanism.js';

/**
 * The TCP socket a server-side TLS socket was made from. node:tls keeps it as `_parent` (so since Node 0.x; the
 * `-tls` connection tests fail if that ever changes); without it, the TLS socket itself.
 */
function underlyingSocket(socket: TLSSocket): Socket {
  return (socket as TLSSocket & { _parent?: Socket })._parent ?? socket;
}

/**
 * Terminates TLS on accepted sockets with a real node:tls server (which never listens itself) and hands each
 * completed handshake to `onSecure`. The client's ClientHello is read first and reported as a `client-hello` event
 * (connection/client-hello-capture.ts), then given back to node:tls untouched. Failed handshakes (bad ClientHello, verify failure
 * on the client's side, plain HTTP on a TLS port) are reported as `tls-error` events and end that connection only.
 * A connection whose handshake is not complete `context.caps.handshakeTimeoutMs` after the accept (a client that
 * sends nothing, or a ClientHello and then nothing) is closed and reported as a `fault` naming
 * `--handshake-timeout-ms`.
 * Used by the `tls` mechanism and by every `<scenario>-tls` listener, which wraps a plain mechanism.
 */
export function tlsTerminator(
  options: TlsOptions,
  onSecure: (socket: TLSSocket, raw: Socket) => void,
  context: Pick<MechanismContext, 'emit' | 'caps'>,
): ConnectionHandler {
  const { emit, caps } = context;
  // The protocol settings are checked now (bad ciphers or versions fail the listener's start, and a weak `dhparam`
  // warns at start), without the key and certificate, which the PKI has checked: loading those costs ~1.5 ms of CPU
  // per listener, so it waits for the listener's first connection.
  const { key: _key, cert: _cert, ...settings } = options;
  createSecureContext(settings);
  let server: Server | undefined;
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  const tlsServer = (): Server => {
    if (server) return server;
    // node:tls's own handshakeTimeout (default 120 s) only starts once it has the socket; the farm's deadline below
    // starts at the accept and fires first.
    server = createServer({ ...options, handshakeTimeout: caps.handshakeTimeoutMs });
    server.on('secureConnection', (socket) => {
      const raw = underlyingSocket(socket);
      clearTimeout(deadlines.get(raw));
      onSecure(socket, raw);
    });
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket) => {
      emit({ type: 'tls-error', error: error.code ?? error.message });
      socket.destroy();
    });
    return server;
  };
  return {
    onConnection(socket) {
      deadlines.set(socket, handshakeDeadline(socket, caps, emit));
      void captureClientHello(socket, caps.handshakeTimeoutMs).then((captured) => {
        if (!captured) return void socket.destroy();
        if (captured.summary) emit({ type: 'client-hello', clientHello: captured.summary });
        if (!socket.destroyed) tlsServer().emit('connection', socket);
      });
    },
  };
}
