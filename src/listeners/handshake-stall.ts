import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import { Type } from 'typebox';
import { VALID_LEAF } from '../pki/leaf-spec.js';
import { FirstFlightCut } from '../tls/first-flight.js';
import { captureClientHello } from './connection/client-hello-capture.js';
import { defineMechanism } from './define-mechanism.js';
import type { MechanismContext } from './mechanism.js';

const TlsVersion = Type.Enum(['TLSv1.2', 'TLSv1.3']);

/** `params` of the `tls-handshake-stall` mechanism: the versions the server engine may negotiate (default both). */
export const HandshakeStallParams = Type.Object(
  { minVersion: Type.Optional(TlsVersion), maxVersion: Type.Optional(TlsVersion) },
  { additionalProperties: false },
);

/**
 * Runs a real server engine (node:tls) for one client behind a stream the listener controls: the client's bytes go
 * in until the cut is made (then they are read and dropped); the engine's records go out through `FirstFlightCut`.
 * The connection then stays open, answering nothing, until the client gives up or the farm's `--max-hold-ms` closes
 * it (the listener's connection caps count it like any other).
 */
function stallHandshake(socket: Socket, secureContext: SecureContext, emit: MechanismContext['emit']): void {
  const cut = new FirstFlightCut();
  const engineSide = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      const { forward, cut: detail } = cut.write(chunk);
      if (forward.length > 0 && !socket.destroyed) socket.write(forward);
      if (detail) emit({ type: 'fault', detail: `${detail}; holding the handshake` });
      callback();
    },
  });
  const engine = new TLSSocket(engineSide, { isServer: true, secureContext });
  // The engine fails when the client sends something it cannot take (an alert, garbage): the client has ended the
  // handshake itself, so the connection goes too.
  engine.on('error', (error: NodeJS.ErrnoException) => {
    emit({ type: 'tls-error', error: error.code ?? error.message });
    socket.destroy();
  });
  socket.on('data', (data: Buffer) => {
    if (!cut.made) engineSide.push(data);
  });
  socket.once('close', () => engine.destroy());
  socket.resume();
}

/**
 * `tls-handshake-stall`: sends the server's first flight — ServerHello and the certificate (the farm's valid leaf, or
 * `--tls-cert`) — and then nothing: no Finished ever comes (see `FirstFlightCut` for TLS 1.2 and TLS 1.3). The
 * client's TLS handshake timeout fires, not its first-byte (read) timeout: the TCP connection was made, the TLS
 * handshake never completes. Bounded: a client that sends no complete ClientHello within `--handshake-timeout-ms` is
 * closed; a stalled one is held up to `--max-hold-ms`. Never throws.
 */
export const handshakeStallMechanism = defineMechanism({
  name: 'tls-handshake-stall',
  transport: 'tls',
  params: HandshakeStallParams,
  certificates: { leafSpecs: () => [VALID_LEAF], servesValidLeaf: () => true },
  create(params, context) {
    const { privateKeyPem, chainPem } = context.userCertificate ?? context.pki.chain(VALID_LEAF);
    const secureContext = createSecureContext({ key: privateKeyPem, cert: chainPem, ...params });
    const { caps, emit } = context;
    return {
      onConnection(socket) {
        void captureClientHello(socket, caps.handshakeTimeoutMs).then((captured) => {
          if (!captured) return void socket.destroy();
          if (captured.summary) emit({ type: 'client-hello', clientHello: captured.summary });
          if (!socket.destroyed) stallHandshake(socket, secureContext, emit);
        });
      },
    };
  },
});
