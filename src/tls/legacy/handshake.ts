import { createECDH, createHash, createPrivateKey, privateEncrypt, randomBytes, sign, constants, type ECDH, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { EXT, parseClientHelloBody, type ParsedClientHello } from '../client-hello.js';
import { StreamCipherState } from './cipher-state.js';
import { finishedVerifyData, keyBlock, masterSecret } from './prf.js';
import {
  Alert, ContentType, HandshakeReader, HandshakeType, MAX_PLAINTEXT, RecordReader, alertRecord, encodeRecord,
  handshakeMessage, vector, type HandshakeMessage, type TlsRecord,
} from '../records.js';

/** Protocol versions the engine can answer with (RFC 6101, 2246, 4346, 5246). */
export const LEGACY_VERSIONS = { SSLv3: 0x0300, TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303 } as const;
export type LegacyVersionName = keyof typeof LEGACY_VERSIONS;
/** The names of LEGACY_VERSIONS, as a list (a scenario's `versions` are checked against it). */
export const LEGACY_VERSION_NAMES = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'] as const satisfies readonly LegacyVersionName[];

/** A cipher suite the engine implements: key exchange, MAC. All use RC4-128 (RFC 5246 App. A.5, RFC 4492 §6). */
export interface LegacySuite {
  code: number;
  keyExchange: 'rsa' | 'ecdhe_rsa';
  mac: 'sha1' | 'md5';
}

/** The suites by IANA name. */
export const LEGACY_SUITES = {
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: { code: 0xc011, keyExchange: 'ecdhe_rsa', mac: 'sha1' },
  TLS_RSA_WITH_RC4_128_SHA: { code: 0x0005, keyExchange: 'rsa', mac: 'sha1' },
  TLS_RSA_WITH_RC4_128_MD5: { code: 0x0004, keyExchange: 'rsa', mac: 'md5' },
} as const satisfies Record<string, LegacySuite>;
export type LegacySuiteName = keyof typeof LEGACY_SUITES;
/** The names of LEGACY_SUITES, as a list (a scenario's `suites` are checked against it). */
export const LEGACY_SUITE_NAMES = ['TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_RC4_128_MD5'] as const satisfies readonly LegacySuiteName[];

/** secp256r1 (RFC 8422 §5.1.1 NamedCurve 23), the only ECDHE group the engine offers. */
const SECP256R1 = 23;

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

/** Prepared key material: node KeyObject for signing, forge key for RSA decryption (see docs/tls-protocol.md). */
export interface PreparedKey {
  keyObject: KeyObject;
  forgeKey: forge.pki.rsa.PrivateKey;
}

/** Parses the PEM key once per listener. @throws Error for a key that is not RSA. */
export function prepareKey(privateKeyPem: string): PreparedKey {
  const keyObject = createPrivateKey(privateKeyPem);
  if (keyObject.asymmetricKeyType !== 'rsa') throw new Error('the legacy TLS engine needs an RSA key');
  const pkcs1 = keyObject.export({ type: 'pkcs1', format: 'pem' }).toString();
  return { keyObject, forgeKey: forge.pki.privateKeyFromPem(pkcs1) as forge.pki.rsa.PrivateKey };
}

/** DER certificates from a PEM chain text, in order. */
export function pemChainToDer(chainPem: string): Buffer[] {
  return [...chainPem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/**
 * Picks the version to answer with (RFC 5246 Appendix E.1; RFC 8446 §4.2.1 for supported_versions): the highest of
 * `ours` that the client offers. A client that sends supported_versions offers exactly that list; one that does not
 * offers every version from SSL 3.0 up to its client_version.
 * @returns the version, or null when there is none in common (the server then sends protocol_version, 70).
 */
export function chooseVersion(hello: Pick<ParsedClientHello, 'version' | 'supportedVersions'>, ours: number[]): number | null {
  const offered = (v: number) => (hello.supportedVersions.length ? hello.supportedVersions.includes(v) : v >= 0x0300 && v <= hello.version);
  const common = ours.filter(offered);
  return common.length ? Math.max(...common) : null;
}

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

  constructor(private readonly config: LegacyServerConfig, private readonly key: PreparedKey, private readonly io: EngineIo) {}

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
        if (this.state !== 'change-cipher-spec' || this.handshake.pending) return this.fail(Alert.unexpectedMessage, `ChangeCipherSpec in state ${this.state}`);
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
        if (message.type !== HandshakeType.clientHello) return this.fail(Alert.unexpectedMessage, `handshake type ${message.type} before ClientHello`);
        return this.onClientHello(message, recordVersion);
      case 'client-key-exchange':
        if (message.type !== HandshakeType.clientKeyExchange) return this.fail(Alert.unexpectedMessage, `handshake type ${message.type}, expected ClientKeyExchange`);
        return this.onClientKeyExchange(message);
      case 'finished':
        if (message.type !== HandshakeType.finished) return this.fail(Alert.unexpectedMessage, `handshake type ${message.type}, expected Finished`);
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
    const version = chooseVersion(hello, this.config.versions);
    if (version === null) return this.fail(Alert.protocolVersion, `no common version (client ${hello.version.toString(16)}, supported_versions [${hello.supportedVersions.map((v) => v.toString(16))}])`);
    if (hello.renegotiationInfoNotEmpty) return this.fail(Alert.handshakeFailure, 'renegotiation_info not empty on an initial handshake (RFC 5746 §3.6)');
    if (!hello.compressionMethods.includes(0)) return this.fail(Alert.illegalParameter, 'null compression not offered');
    const ecdheUsable =
      version >= 0x0301 &&
      (hello.supportedGroups.length === 0 || hello.supportedGroups.includes(SECP256R1)) &&
      (hello.ecPointFormats.length === 0 || hello.ecPointFormats.includes(0));
    const suite = this.config.suites.find((s) => hello.cipherSuites.includes(s.code) && (s.keyExchange === 'rsa' || ecdheUsable));
    if (!suite) return this.fail(Alert.handshakeFailure, 'no shared cipher suite');
    let signatureScheme = 0;
    if (suite.keyExchange === 'ecdhe_rsa' && version >= 0x0303) {
      // RFC 5246 §7.4.1.4.1: without the extension, the client is taken to support {sha1, rsa}.
      const offered = hello.extensions.some((e) => e.type === EXT.signatureAlgorithms) ? hello.signatureAlgorithms : [0x0201];
      signatureScheme = [0x0401, 0x0501, 0x0601, 0x0201].find((s) => offered.includes(s)) ?? 0;
      if (!signatureScheme) return this.fail(Alert.handshakeFailure, 'no RSA PKCS#1 v1.5 signature algorithm offered');
    }
    this.version = version;
    this.suite = suite;
    this.io.event({ kind: 'negotiated', version, suite: suite.code });
    this.transcript.push(message.raw);

    this.serverRandom = randomBytes(32);
    const extensions: Buffer[] = [];
    if (hello.secureRenegotiation) extensions.push(extension(EXT.renegotiationInfo, Buffer.from([0])));
    if (suite.keyExchange === 'ecdhe_rsa' && hello.ecPointFormats.length) extensions.push(extension(EXT.ecPointFormats, vector(1, Buffer.from([0]))));
    const serverHello = Buffer.concat([
      u16(version), this.serverRandom, vector(1, Buffer.alloc(0)), u16(suite.code), Buffer.from([0]),
      ...(extensions.length && hello.extensions.length ? [vector(2, Buffer.concat(extensions))] : []),
    ]);
    const flight = [handshakeMessage(HandshakeType.serverHello, serverHello)];
    flight.push(handshakeMessage(HandshakeType.certificate, vector(3, Buffer.concat(this.config.chainDer.map((der) => vector(3, der))))));
    if (suite.keyExchange === 'ecdhe_rsa') flight.push(handshakeMessage(HandshakeType.serverKeyExchange, this.serverKeyExchange(signatureScheme)));
    flight.push(handshakeMessage(HandshakeType.serverHelloDone, Buffer.alloc(0)));
    this.transcript.push(...flight);
    const bytes = Buffer.concat(flight);
    for (let offset = 0; offset < bytes.length; offset += MAX_PLAINTEXT) {
      this.writeRecord(ContentType.handshake, bytes.subarray(offset, offset + MAX_PLAINTEXT));
    }
    this.state = 'client-key-exchange';
  }

  /**
   * ServerKeyExchange for ECDHE_RSA (RFC 8422 §5.4, RFC 4492 §5.4):
   * ```
   * struct { ECCurveType curve_type = named_curve(3); NamedCurve namedcurve; opaque point <1..2^8-1>; } ServerECDHParams;
   * signed over ClientHello.random + ServerHello.random + ServerECDHParams:
   *   TLS 1.2: SignatureAndHashAlgorithm + RSASSA-PKCS1-v1_5 signature (RFC 5246 §7.4.3, §4.7)
   *   TLS 1.0/1.1: RSA PKCS#1 v1.5 type-1 padding over MD5(data) + SHA1(data), no DigestInfo (RFC 2246 §7.4.3)
   * ```
   */
  private serverKeyExchange(signatureScheme: number): Buffer {
    this.ecdh = createECDH('prime256v1');
    const point = this.ecdh.generateKeys();
    const params = Buffer.concat([Buffer.from([3]), u16(SECP256R1), vector(1, point)]);
    const signed = Buffer.concat([this.hello!.random, this.serverRandom, params]);
    if (this.version >= 0x0303) {
      const hash = { 0x0401: 'sha256', 0x0501: 'sha384', 0x0601: 'sha512', 0x0201: 'sha1' }[signatureScheme]!;
      const signature = sign(hash, signed, { key: this.key.keyObject, padding: constants.RSA_PKCS1_PADDING });
      return Buffer.concat([params, u16(signatureScheme), vector(2, signature)]);
    }
    const digest = Buffer.concat([createHash('md5').update(signed).digest(), createHash('sha1').update(signed).digest()]);
    const signature = privateEncrypt({ key: this.key.keyObject, padding: constants.RSA_PKCS1_PADDING }, digest);
    return Buffer.concat([params, vector(2, signature)]);
  }

  private onClientKeyExchange(message: HandshakeMessage): void {
    const hello = this.hello!;
    // SSL 3.0 derives keys, MACs and Finished differently (RFC 6101 §6.1, §5.2.3.1, §5.6.9); the engine stops here.
    if (this.version === 0x0300) return this.fail(Alert.handshakeFailure, 'SSL 3.0 key exchange is not implemented (the ServerHello flight is)');
    let preMaster: Buffer;
    if (this.suite!.keyExchange === 'ecdhe_rsa') {
      // ClientECDiffieHellmanPublic: opaque point <1..2^8-1> (RFC 8422 §5.7).
      const body = message.body;
      if (body.length < 2 || body[0] !== body.length - 1) return this.fail(Alert.decodeError, 'malformed ClientECDiffieHellmanPublic');
      try {
        preMaster = this.ecdh!.computeSecret(body.subarray(1));
      } catch {
        return this.fail(Alert.illegalParameter, 'client ECDH point is not on P-256');
      }
    } else {
      // EncryptedPreMasterSecret: a vector<0..2^16-1> in TLS, the bare ciphertext in SSL 3.0 (RFC 5246 §7.4.7.1).
      let encrypted = message.body;
      if (this.version >= 0x0301) {
        if (encrypted.length < 2 || encrypted.readUInt16BE(0) !== encrypted.length - 2) return this.fail(Alert.decodeError, 'malformed EncryptedPreMasterSecret');
        encrypted = encrypted.subarray(2);
      }
      // RFC 5246 §7.4.7.1: on any failure continue with a random premaster so that the Finished check fails,
      // revealing nothing (Bleichenbacher). Node 20 refuses PKCS#1 v1.5 decryption (CVE-2023-46809), so forge does it.
      const random = randomBytes(48);
      random.writeUInt16BE(hello.version, 0);
      preMaster = random;
      try {
        const decrypted = Buffer.from(this.key.forgeKey.decrypt(encrypted.toString('binary'), 'RSAES-PKCS1-V1_5'), 'binary');
        if (decrypted.length === 48 && decrypted.readUInt16BE(0) === hello.version) preMaster = decrypted;
      } catch {
        // keep the random premaster
      }
    }
    this.transcript.push(message.raw);
    this.master = masterSecret(this.version, preMaster, hello.random, this.serverRandom);
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
    if (message.body.length !== 12 || !message.body.equals(expected)) return this.fail(Alert.decryptError, 'client Finished does not verify');
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

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}

function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vector(2, data)]);
}
