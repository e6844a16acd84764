import type { Socket } from 'node:net';
import { createSecureContext, createServer, type Server, type TLSSocket, type TlsOptions } from 'node:tls';
import { noteFirstEnd } from './connection/close-order.js';
import { captureClientHello } from './connection/client-hello-capture.js';
import { handshakeDeadline } from './connection/handshake-deadline.js';
import { serverHelloSent } from './connection/server-hello.js';
import { summarizeChain, type CertificateChain } from '../pki/chain-summary.js';
import type { ConnectionHandler, MechanismContext } from './mechanism.js';
import type { ClientHelloSummary } from '../tls/client-hello.js';
import { alertRecord } from '../tls/records.js';
import { sendAndClose } from './http/response.js';

/** A fatal alert to answer a ClientHello with instead of a handshake, and the `fault` event's detail. */
export interface HelloRefusal {
  alert: number;
  detail: string;
}

/**
 * The TCP socket a server-side TLS socket was made from. node:tls keeps it as `_parent` (so since Node 0.x; the
 * `-tls` connection tests fail if that ever changes); without it, the TLS socket itself.
 */
function underlyingSocket(socket: TLSSocket): Socket {
  return (socket as TLSSocket & { _parent?: Socket })._parent ?? socket;
}

/** What the `tls` mechanism adds to a terminator (see `tlsTerminator`). */
export interface TerminatorHooks {
  refuse?: (hello: ClientHelloSummary | null) => HelloRefusal | null;
  staple?: (leaf: Buffer) => Promise<Buffer | null>;
  chainFor?: (servername: string) => CertificateChain | undefined;
}

/**
 * Terminates TLS on accepted sockets with a real node:tls server (which never listens itself) and hands each
 * completed handshake to `onSecure`. The client's ClientHello is read first and reported as a `client-hello` event
 * (connection/client-hello-capture.ts), then given back to node:tls untouched. Failed handshakes (bad ClientHello, verify failure
 * on the client's side, plain HTTP on a TLS port) are reported as `tls-error` events and end that connection only.
 * A connection whose handshake is not complete `context.caps.handshakeTimeoutMs` after the accept (a client that
 * sends nothing, or a ClientHello and then nothing) is closed and reported as a `fault` naming
 * `--handshake-timeout-ms`. What the farm sent (version, cipher, ALPN, the chain served) is reported as a
 * `server-hello` event once the handshake completes, or when it fails after the ServerHello went out.
 * Used by the `tls` mechanism and by every `<scenario>-tls` listener, which wraps a plain mechanism.
 * @param hooks optional: `refuse` sees each ClientHello (null when it does not parse) before node:tls does, and a
 *   refusal is sent as one fatal alert record (TLS 1.2 record version, RFC 5246 §7.2) and the connection closed with
 *   a FIN; `staple` gives the OCSP response (DER) to staple for the served leaf (DER) when the client asks for one
 *   (status_request, RFC 6066 §8), or null for none; without it the server never staples; `chainFor` gives the chain
 *   served to a client naming `servername` (SNI) when `options.SNICallback` picks another than `options.cert`'s,
 *   undefined for the default (summaries are made once and shared by every connection).
 */
export function tlsTerminator(
  options: TlsOptions,
  onSecure: (socket: TLSSocket, raw: Socket) => void,
  context: Pick<MechanismContext, 'emit' | 'caps'>,
  hooks: TerminatorHooks = {},
): ConnectionHandler {
  const { emit, caps } = context;
  const { refuse, staple, chainFor = () => undefined } = hooks;
  // The protocol settings are checked now (bad ciphers or versions fail the listener's start, and a weak `dhparam`
  // warns at start), without the key and certificate, which the PKI has checked: loading those costs ~1.5 ms of CPU
  // per listener, so it waits for the listener's first connection, as does the summary of the chain served.
  const { key: _key, cert: _cert, ...settings } = options;
  checkProtocolSettings(settings);
  const reportSent = serverHelloReporter(options, chainFor, emit);
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
      // node:tls reads and writes the raw socket's handle itself: the TLS socket's own ends say who closed first.
      socket.once('end', () => noteFirstEnd(raw, 'client'));
      socket.once('finish', () => noteFirstEnd(raw, 'farm'));
      reportSent(socket, true);
      onSecure(socket, raw);
    });
    if (staple) answerStatusRequests(server, staple);
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket) => {
      reportSent(socket, false);
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
        const refusal = refuse?.(captured.summary);
        if (refusal) {
          clearTimeout(deadlines.get(socket));
          emit({ type: 'fault', detail: refusal.detail });
          // Reading the ClientHello unshifted it: sendAndClose drains it with the rest until the client's FIN.
          return sendAndClose(socket, alertRecord(refusal.alert, 0x0303));
        }
        if (!socket.destroyed) tlsServer().emit('connection', socket);
      });
    },
  };
}

/**
 * Reports what the farm sent in a handshake (`server-hello` event), completed or failed after the ServerHello; the
 * default chain's summary is made at the first report and shared.
 */
function serverHelloReporter(
  options: TlsOptions,
  chainFor: (servername: string) => CertificateChain | undefined,
  emit: MechanismContext['emit'],
): (socket: TLSSocket, completed: boolean) => void {
  let defaultChain: CertificateChain | undefined;
  return (socket, completed) => {
    const servername = typeof socket.servername === 'string' ? socket.servername : '';
    defaultChain ??= summarizeChain(typeof options.cert === 'string' ? options.cert : '');
    const sent = serverHelloSent(socket, underlyingSocket(socket), chainFor(servername) ?? defaultChain, completed);
    if (sent) emit({ type: 'server-hello', serverHello: sent });
  };
}

/**
 * Staples `staple(leaf)`'s OCSP response. node:tls asks only when the client sent status_request; the answer goes
 * out in CertificateStatus (TLS 1.2) or the leaf's status_request extension (TLS 1.3, RFC 8446 §4.4.2.1).
 */
function answerStatusRequests(server: Server, staple: (leaf: Buffer) => Promise<Buffer | null>): void {
  server.on('OCSPRequest', (leaf: Buffer, _issuer: Buffer, callback: (error: Error | null, response: Buffer | null) => void) => {
    staple(leaf).then(
      (der) => callback(null, der),
      (error: Error) => callback(error, null),
    );
  });
}

/** The protocol settings already checked in this process, by their JSON (most listeners share a few). */
const checkedSettings = new Set<string>();

/**
 * Builds a secure context from `settings` once, for its errors and warnings (bad ciphers or versions throw, a weak
 * `dhparam` warns). Settings whose every value JSON carries (strings, numbers, booleans, arrays of them) are checked
 * once per process; others (a Buffer, an SNICallback) each time.
 * @throws Error from node:tls for settings OpenSSL refuses.
 */
function checkProtocolSettings(settings: TlsOptions): void {
  const plain = Object.values(settings).every(
    (value) =>
      value === undefined ||
      ['string', 'number', 'boolean'].includes(typeof value) ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string')),
  );
  const key = plain ? JSON.stringify(settings) : undefined;
  if (key !== undefined && checkedSettings.has(key)) return;
  createSecureContext(settings);
  if (key !== undefined) checkedSettings.add(key);
}
