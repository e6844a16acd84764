import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Type, type Static } from 'typebox';
import { CertificateChain } from '../../pki/chain-summary.js';

/**
 * What the farm's node:tls server sent in its first flight (RFC 8446 §4.1.3 ServerHello and §4.4.2 Certificate;
 * RFC 5246 §7.4.1.3 and §7.4.2 before TLS 1.3): the negotiated version (`TLSv1.2`, `TLSv1.3`), the cipher suite's
 * IANA name when it is known (OpenSSL no longer knows it after a failed TLS 1.2 handshake), the ALPN protocol
 * chosen (RFC 7301 §3.1), if any, and the certificate chain served.
 */
export const ServerHelloSent = Type.Object({
  version: Type.String(),
  cipher: Type.Optional(Type.String()),
  alpn: Type.Optional(Type.String()),
  chain: CertificateChain,
});
export type ServerHelloSent = Static<typeof ServerHelloSent>;

/** Bytes of one alert record (RFC 8446 §5.1 header of 5 bytes, RFC 8446 §6 alert of 2): all a server sends that refuses a ClientHello. */
const ALERT_RECORD_BYTES = 7;

/**
 * True while node:tls still holds the connection's OpenSSL state: it sets `ssl` to null once it has freed it (on a
 * reset, for one), and asking the handle for the protocol or cipher after that crashes the process.
 */
function sslAlive(socket: TLSSocket): boolean {
  return Boolean((socket as TLSSocket & { ssl?: unknown }).ssl);
}

/**
 * What the server sent on `socket`, a server-side TLS socket over `raw`: after a completed handshake always; after a
 * failed one only when the farm wrote more than one alert record, i.e. its ServerHello went out before the failure
 * (a ClientHello refused outright gets just the alert), and node:tls has not yet freed the connection's state (after
 * a reset it has: nothing is reported then). `chain` is the summary of the chain served, shared.
 */
export function serverHelloSent(socket: TLSSocket, raw: Socket, chain: CertificateChain, completed: boolean): ServerHelloSent | null {
  if (!sslAlive(socket) || (!completed && raw.bytesWritten <= ALERT_RECORD_BYTES)) return null;
  const version = socket.getProtocol();
  if (!version) return null;
  const sent: ServerHelloSent = { version, chain };
  const cipher = socket.getCipher()?.standardName;
  if (cipher) sent.cipher = cipher;
  if (typeof socket.alpnProtocol === 'string') sent.alpn = socket.alpnProtocol;
  return sent;
}
