import type { Socket } from 'node:net';
import { handshakeTimeoutDetail, type ListenerCaps } from '../caps.js';
import { readUntil } from '../connection/read-until.js';
import type { MechanismContext } from '../mechanism.js';

/** First byte of a TLS record carrying a handshake message (RFC 8446 §5.1, ContentType handshake). */
const TLS_HANDSHAKE = 0x16;

/**
 * Tells TLS from cleartext on one port by the client's first byte: a TLS handshake record goes to `onTls`,
 * anything else (the HTTP/2 client preface of a client with prior knowledge, RFC 9113 §3.3, or an HTTP/1.1
 * request) to `onCleartext`, the byte put back and the socket flowing. A client that sends nothing within
 * `caps.handshakeTimeoutMs` is closed with a `fault` event naming `--handshake-timeout-ms`.
 */
export function splitByFirstByte(
  socket: Socket,
  context: Pick<MechanismContext, 'emit'> & { caps: Pick<ListenerCaps, 'handshakeTimeoutMs'> },
  onTls: () => void,
  onCleartext: () => void,
): void {
  const { caps, emit } = context;
  const onTimeout = () => emit({ type: 'fault', detail: handshakeTimeoutDetail(caps.handshakeTimeoutMs) });
  void readUntil(socket, (bytes) => (bytes.length ? 1 : null), { maxBytes: 1, timeoutMs: caps.handshakeTimeoutMs, onTimeout }).then(
    (bytes) => {
      if (!bytes) return void socket.destroy();
      socket.unshift(bytes);
      if (bytes[0] === TLS_HANDSHAKE) return onTls();
      socket.resume();
      onCleartext();
    },
  );
}
