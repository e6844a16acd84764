import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { parseClientHelloBody, type ParsedClientHello } from '../client-hello.js';
import { StreamCipherState } from './cipher-state.js';
import { finishedVerifyData, keyBlock, masterSecret } from './prf.js';
import {
  Alert,
  ContentType,
  HandshakeReader,
  HandshakeType,
  MAX_PLAINTEXT,
  RecordReader,
  alertRecord,
  encodeRecord,
  handshakeMessage,
  vector,
  type HandshakeMessage,
  type TlsRecord,
} from '../records.js';
import { clientPreMaster } from './client-key-exchange.js';
import { serverKeyExchange, type PreparedKey } from './server-key.js';
import { serverHelloBody } from './server-hello.js';
import { negotiate, type LegacySuite } from './suites.js';

/** What the engine serves. */
export interface LegacyServerConfig {
  /** Versions it accepts, e.g. [0x0301, 0x0302, 0x0303]. */
  versions: number[];
  /** Suites in server preference order. */
  suites: LegacySuite[];
  /** Certificate chain, leaf first, DER. */
  chainDer: Buffer[];
  /** The leaf's RSA private key, PEM (PKCS#1 or PKCS#8). */
  privateKeyPem: string;
}

/** What happened, for the event log. */
export type EngineEvent =
  | { kind: 'client-hello'; hello: ParsedClientHello; raw: Buffer; recordVersion: number }
  | { kind: 'negotiated'; version: number; suite: number }
  | { kind: 'alert-sent'; alert: number; reason: string }
  | { kind: 'alert-received'; level: number; alert: number }
  | { kind: 'secure' };

/** Where the engine writes and what it tells its owner. */
export interface EngineIo {
  /** Bytes for the peer. */
  write(bytes: Buffer): void;
  /** The engine is done with the connection: end it after what was written (a FIN). */
  end(): void;
  /** Handshake complete; application data flows through `onData` and `sendApplicationData`. */
  onSecure(): void;
  /** Decrypted application data from the client. */
  onData(data: Buffer): void;
  /** The client sent close_notify or the connection failed after the handshake. */
  onClose(): void;
  event(event: EngineEvent): void;
}

type State = 'client-hello' | 'client-key-exchange' | 'change-cipher-spec' | 'finished' | 'application' | 'closed';

/**
 * A server-side TLS 1.0–1.2 handshake (RSA and ECDHE_RSA key exchange, RC4-128 suites, no resumption, no client
 * authentication, no renegotiation), and SSL 3.0 as far as the ServerHello flight. One instance per connection: feed
 * it the client's bytes with `receive`; it writes through `io`. It never throws on peer input: every protocol error
 * becomes a fatal alert (RFC 5246 §7.2.2) and the end of the connection.
 *
 * Handshake (RFC 5246 §7.3):
 * ```
 * ClientHello  -------->
 *                              ServerHello, Certificate, [ServerKeyExchange], ServerHelloDone
 *              <--------
 * ClientKeyExchange, [ChangeCipherSpec], Finished  -------->
 *                              [ChangeCipherSpec], Finished
 *              <--------
 * Application Data  <------->  Application Data
 * ```
 */
export class LegacyTlsEngine {
  private state = 'client-hello' as State;
  private readonly records = new RecordReader();
  private readonly handshake = new HandshakeReader();
  private readonly transcript: Buffer[] = [];
  private hello?: ParsedClientHello;
  private version = 0;
  private suite?: LegacySuite;
  private serverRandom = Buffer.alloc(0);
  private ecdh?: ECDH;
  private master?: Buffer;
  private readState?: StreamCipherState;
  private writeState?: StreamCipherState;
  private pendingWrite?: StreamCipherState;

  constructor(
    private readonly config: LegacyServerConfig,
    private readonly key: PreparedKey,
    private readonly io: EngineIo,
  ) {}

  /** True once the connection is over (after an alert or close_notify). */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Bytes from the client. Never throws. */
  receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    try {
      const fed = this.records.feed(chunk);
      for (const record of fed.records) {
        if (this.closed) return;
        this.onRecord(record);
      }
      if (fed.error && !this.closed) this.fail(fed.error.alert, fed.error.reason);
    } catch (error) {
      this.fail(Alert.internalError, `engine: ${(error as Error).message}`);
    }
  }

  /** Application data for the client, once secure: cut into records of at most 2^14 bytes and protected. */
  sendApplicationData(data: Buffer): void {
    if (this.state !== 'application' || !this.writeState) return;
    for (let offset = 0; offset < data.length; offset += MAX_PLAINTEXT) {
      this.writeRecord(ContentType.applicationData, data.subarray(offset, offset + MAX_PLAINTEXT));
    }
  }

  /** Sends close_notify (RFC 5246 §7.2.1, warning level) and ends the connection. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.state === 'application') this.writeRecord(ContentType.alert, Buffer.from([1, Alert.closeNotify]));
    this.state = 'closed';
    this.io.end();
  }

  private recordVersion(): number {
    return this.version || Math.min(...this.config.versions);
  }

  private writeRecord(type: number, content: Buffer): void {
    const fragment = this.writeState ? this.writeState.seal(type, this.recordVersion(), content) : content;
    this.io.write(encodeRecord(type, this.recordVersion(), fragment));
  }

  /** Sends a fatal alert (encrypted once our ChangeCipherSpec has gone out) and ends the connection. */
  private fail(alert: number, reason: string): void {
    if (this.state === 'closed') return;
    const wasSecure = this.state === 'application';
    this.io.event({ kind: 'alert-sent', alert, reason });
    if (this.writeState) this.writeRecord(ContentType.alert, Buffer.from([2, alert]));
    else this.io.write(alertRecord(alert, this.recordVersion()));
    this.state = 'closed';
    this.io.end();
    if (wasSecure) this.io.onClose();
  }

  private onRecord(record: TlsRecord): void {
    let content = record.fragment;
    if (this.readState) {
      const opened = this.readState.open(record.type, record.version, record.fragment);
      if (!opened) return this.fail(Alert.badRecordMac, 'record MAC does not verify');
      content = opened;
    }
    if (content.length > MAX_PLAINTEXT) return this.fail(Alert.recordOverflow, `plaintext of ${content.length} bytes`);
    switch (record.type) {
      case ContentType.alert: {
        if (content.length !== 2) return this.fail(Alert.decodeError, 'alert of wrong length');
        this.io.event({ kind: 'alert-received', level: content[0]!, alert: content[1]! });
        const wasSecure = this.state === 'application';
        if (content[1] === Alert.closeNotify && wasSecure) {
          this.close();
          this.io.onClose();
          return;
        }
        if (content[0] === 1 && content[1] !== Alert.closeNotify) return; // other warnings: ignore
        this.state = 'closed';
        this.io.end();
        if (wasSecure) this.io.onClose();
        return;
      }
      case ContentType.changeCipherSpec:
        if (this.state !== 'change-cipher-spec' || this.handshake.pending)
          return this.fail(Alert.unexpectedMessage, `ChangeCipherSpec in state ${this.state}`);
        if (content.length !== 1 || content[0] !== 1) return this.fail(Alert.decodeError, 'malformed ChangeCipherSpec');
        this.activateRead();
        this.state = 'finished';
        return;
      case ContentType.handshake: {
        if (content.length === 0) return this.fail(Alert.unexpectedMessage, 'empty handshake record');
        if (this.state === 'application') return this.fail(Alert.handshakeFailure, 'renegotiation is not supported');
        const fed = this.handshake.feed(content);
        for (const message of fed.messages) {
          if (this.closed) return;
          this.onHandshake(message, record.version);
        }
        if (fed.error) this.fail(fed.error.alert, fed.error.reason);
        return;
      }
      case ContentType.applicationData:
        if (this.state !== 'application') return this.fail(Alert.unexpectedMessage, 'application data before the handshake completed');
        if (content.length) this.io.onData(content);
        return;
    }
  }

  private onHandshake(message: HandshakeMessage, recordVersion: number): void {
    switch (this.state) {
      case 'client-hello':
        if (message.type !== HandshakeType.clientHello)
          return this.fail(Alert.unexpectedMessage, `handshake type ${message.type} before ClientHello`);
        return this.onClientHello(message, recordVersion);
      case 'client-key-exchange':
        if (message.type !== HandshakeType.clientKeyExchange)
          return this.fail(Alert.unexpectedMessage, `handshake type ${message.type}, expected ClientKeyExchange`);
        return this.onClientKeyExchange(message);
      case 'finished':
        if (message.type !== HandshakeType.finished)
          return this.fail(Alert.unexpectedMessage, `handshake type ${message.type}, expected Finished`);
        return this.onFinished(message);
      default:
        return this.fail(Alert.unexpectedMessage, `handshake type ${message.type} in state ${this.state}`);
    }
  }

  private onClientHello(message: HandshakeMessage, recordVersion: number): void {
    const parsed = parseClientHelloBody(message.body);
    if (!parsed.ok) return this.fail(parsed.alert, parsed.reason);
    const hello = parsed.hello;
    this.hello = hello;
    this.io.event({ kind: 'client-hello', hello, raw: message.raw, recordVersion });
    const agreed = negotiate(hello, this.config.versions, this.config.suites);
    if ('alert' in agreed) return this.fail(agreed.alert, agreed.reason);
    const { version, suite, signatureScheme } = agreed;
    this.version = version;
    this.suite = suite;
    this.io.event({ kind: 'negotiated', version, suite: suite.code });
    this.transcript.push(message.raw);

    this.serverRandom = randomBytes(32);
    const flight = [handshakeMessage(HandshakeType.serverHello, serverHelloBody(version, this.serverRandom, suite, hello))];
    flight.push(handshakeMessage(HandshakeType.certificate, vector(3, Buffer.concat(this.config.chainDer.map((der) => vector(3, der))))));
    if (suite.keyExchange === 'ecdhe_rsa') {
      this.ecdh = createECDH('prime256v1');
      const randoms = Buffer.concat([hello.random, this.serverRandom]);
      flight.push(
        handshakeMessage(HandshakeType.serverKeyExchange, serverKeyExchange(this.ecdh, this.key, version, randoms, signatureScheme)),
      );
    }
    flight.push(handshakeMessage(HandshakeType.serverHelloDone, Buffer.alloc(0)));
    this.transcript.push(...flight);
    const bytes = Buffer.concat(flight);
    for (let offset = 0; offset < bytes.length; offset += MAX_PLAINTEXT) {
      this.writeRecord(ContentType.handshake, bytes.subarray(offset, offset + MAX_PLAINTEXT));
    }
    this.state = 'client-key-exchange';
  }

  private onClientKeyExchange(message: HandshakeMessage): void {
    const hello = this.hello!;
    // SSL 3.0 derives keys, MACs and Finished differently (RFC 6101 §6.1, §5.2.3.1, §5.6.9); the engine stops here.
    if (this.version === 0x0300)
      return this.fail(Alert.handshakeFailure, 'SSL 3.0 key exchange is not implemented (the ServerHello flight is)');
    const preMaster = clientPreMaster(message.body, {
      keyExchange: this.suite!.keyExchange,
      version: this.version,
      clientVersion: hello.version,
      ecdh: this.ecdh,
      key: this.key,
    });
    if ('alert' in preMaster) return this.fail(preMaster.alert, preMaster.reason);
    this.transcript.push(message.raw);
    this.master = masterSecret(this.version, preMaster.secret, hello.random, this.serverRandom);
    const keys = keyBlock(this.version, this.master, hello.random, this.serverRandom, this.suite!.mac === 'sha1' ? 20 : 16, 16);
    this.readState = undefined;
    this.pendingRead = new StreamCipherState(this.suite!.mac, keys.clientMac, keys.clientKey);
    this.pendingWrite = new StreamCipherState(this.suite!.mac, keys.serverMac, keys.serverKey);
    this.state = 'change-cipher-spec';
  }

  private pendingRead?: StreamCipherState;

  private activateRead(): void {
    this.readState = this.pendingRead;
  }

  private onFinished(message: HandshakeMessage): void {
    const expected = finishedVerifyData(this.version, this.master!, 'client', this.transcript);
    if (message.body.length !== 12 || !message.body.equals(expected))
      return this.fail(Alert.decryptError, 'client Finished does not verify');
    this.transcript.push(message.raw);
    const verifyData = finishedVerifyData(this.version, this.master!, 'server', this.transcript);
    this.io.write(encodeRecord(ContentType.changeCipherSpec, this.version, Buffer.from([1])));
    this.writeState = this.pendingWrite;
    this.writeRecord(ContentType.handshake, handshakeMessage(HandshakeType.finished, verifyData));
    this.state = 'application';
    this.io.event({ kind: 'secure' });
    this.io.onSecure();
  }
}
