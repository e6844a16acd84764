import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { VALID_LEAF } from '../pki/leaf-spec.js';
import { versionLabel } from '../tls/client-hello.js';
import { summarizeClientHello } from '../tls/client-hello-summary.js';
import { HttpOkResponder } from './http-ok.js';
import { LegacyTlsEngine, type EngineEvent } from '../tls/legacy/handshake.js';
import { pemChainToDer, prepareKey } from '../tls/legacy/server-key.js';
import { LEGACY_SUITES, LEGACY_SUITE_NAMES, LEGACY_VERSIONS, LEGACY_VERSION_NAMES } from '../tls/legacy/suites.js';
import { handshakeDeadline } from './connection/handshake-deadline.js';
import { Type, type Static } from 'typebox';
import { defineMechanism } from './define-mechanism.js';
import { type CertificateChain, summarizeChain } from '../pki/chain-summary.js';
import type { MechanismContext } from './mechanism.js';

/** A cipher suite as its code point (RFC 5246 §A.5), `0x0005`. */
const suiteCode = (suite: number) => `0x${suite.toString(16).padStart(4, '0')}`;
/** The IANA name of one of the engine's suites (its code point for any other). */
const suiteName = (suite: number) => LEGACY_SUITE_NAMES.find((name) => LEGACY_SUITES[name].code === suite) ?? suiteCode(suite);

/** `params` of the `legacy-tls` mechanism. */
export const LegacyTlsParams = Type.Object(
  {
    /** Protocol versions the listener accepts (the highest one the client offers is used). */
    versions: Type.Array(Type.Enum(LEGACY_VERSION_NAMES), { minItems: 1, uniqueItems: true }),
    /** Cipher suites, in server preference order (all RC4-128). */
    suites: Type.Array(Type.Enum(LEGACY_SUITE_NAMES), { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type LegacyTlsParams = Static<typeof LegacyTlsParams>;

/**
 * The decrypted side of a legacy-TLS connection, as a Duplex that node:http can serve (the farm's HttpOkResponder is
 * fed it with `emit('connection')`): reads are the client's application data, writes are protected and sent.
 */
class SecureStream extends Duplex {
  constructor(
    private readonly engine: LegacyTlsEngine,
    private readonly raw: Socket,
  ) {
    super();
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.engine.sendApplicationData(chunk);
    callback();
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.engine.close();
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.raw.destroy();
    callback(error);
  }
  // What node:http asks of a socket beyond Duplex.
  setTimeout(ms: number, callback?: () => void): this {
    this.raw.setTimeout(ms, callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.raw.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.raw.setKeepAlive(enable, delay);
    return this;
  }
  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }
}

/**
 * A TLS server of the farm's own (the engine in src/tls/legacy/): the versions and RC4 suites node:tls cannot serve.
 * `rc4-only` (TLS 1.0–1.2, TLS_ECDHE_RSA_WITH_RC4_128_SHA and TLS_RSA_WITH_RC4_128_SHA): a client that offers RC4
 * completes the handshake and gets the farm's 200; one that offers none gets handshake_failure (40), as an OpenSSL
 * RC4-only server sends (Fastly "Using RC4 Cipher", fastly-tls-origin-configuration-messages § RC4 cipher error).
 * `sslv3-only` (SSLv3): a ServerHello 3.0 flight to a client that offers SSL 3.0, protocol_version (70) otherwise.
 * Serves the farm's `valid` leaf (or the user's `--tls-cert`, which must have an RSA key). A handshake not complete
 * within `--handshake-timeout-ms` of the accept is closed with a `fault` event.
 */
export const legacyTlsMechanism = defineMechanism({
  name: 'legacy-tls',
  transport: 'tls',
  params: LegacyTlsParams,
  certificates: { leafSpecs: () => [VALID_LEAF], servesValidLeaf: () => true },
  create(params, context) {
    const chain = context.userCertificate ?? context.pki.chain(VALID_LEAF);
    const key = prepareKey(chain.privateKeyPem);
    const config = {
      versions: params.versions.map((v) => LEGACY_VERSIONS[v]),
      suites: params.suites.map((s) => LEGACY_SUITES[s]),
      chainDer: pemChainToDer(chain.chainPem),
      privateKeyPem: chain.privateKeyPem,
    };
    const responder = new HttpOkResponder(context);
    const describe = ledgerEvents(context.emit, summarizeChain(chain.chainPem));
    return {
      onConnection(socket: Socket) {
        let stream: SecureStream | undefined;
        const timer = handshakeDeadline(socket, context.caps, context.emit);
        const engine: LegacyTlsEngine = new LegacyTlsEngine(config, key, {
          write: (bytes) => {
            if (!socket.destroyed) socket.write(bytes);
          },
          end: () => socket.end(),
          onSecure: () => {
            clearTimeout(timer);
            stream = new SecureStream(engine, socket);
            stream.on('error', () => socket.destroy());
            responder.serve(stream);
          },
          onData: (data) => stream?.push(data),
          onClose: () => stream?.push(null),
          event: describe,
        });
        socket.on('data', (chunk: Buffer) => engine.receive(chunk));
        socket.on('end', () => {
          if (stream) stream.push(null);
          else socket.end();
        });
        socket.on('close', () => {
          clearTimeout(timer);
          stream?.destroy();
        });
      },
    };
  },
});

/** What the legacy engine's events become in the ledger: the ClientHello, the ServerHello it chose, alerts each way. */
function ledgerEvents(emit: MechanismContext['emit'], served: CertificateChain): (event: EngineEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'client-hello':
        return emit({ type: 'client-hello', clientHello: summarizeClientHello(event.hello) });
      case 'negotiated':
        emit({
          type: 'server-hello',
          serverHello: { version: versionLabel(event.version), cipher: suiteName(event.suite), chain: served },
        });
        return emit({
          type: 'fault',
          detail: `${versionLabel(event.version)} with suite ${suiteCode(event.suite)}`,
        });
      case 'alert-sent':
        return emit({ type: 'fault', detail: `alert ${event.alert} (${event.reason})`, alert: event.alert });
      case 'alert-received':
        return emit({ type: 'tls-error', error: `client alert ${event.level === 2 ? 'fatal' : 'warning'} ${event.alert}` });
      case 'secure':
        return;
    }
  };
}
