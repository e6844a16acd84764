import { constants, createHash, createPrivateKey, privateEncrypt, randomBytes, sign, type ECDH, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type forge from 'node-forge';
import { vector } from '../records.js';
import { SECP256R1 } from './suites.js';

/** Prepared key material: node KeyObject for signing, forge key for RSA decryption (see docs/tls-protocol.md). */
export interface PreparedKey {
  keyObject: KeyObject;
  /** The forge key, parsed at the first RSA key exchange (forge parses RSA keys in JavaScript, ~20 ms each). */
  forgeKey(): forge.pki.rsa.PrivateKey;
}

/** Parses the PEM key once per listener (the forge key at first use). @throws Error for a key that is not RSA. */
export function prepareKey(privateKeyPem: string): PreparedKey {
  const keyObject = createPrivateKey(privateKeyPem);
  if (keyObject.asymmetricKeyType !== 'rsa') throw new Error('the legacy TLS engine needs an RSA key');
  let forgeKey: forge.pki.rsa.PrivateKey | undefined;
  return {
    keyObject,
    forgeKey: () => {
      // node-forge is loaded here too: a farm whose legacy listeners never see an RSA key exchange does without it.
      const { pki } = createRequire(import.meta.url)('node-forge') as typeof forge;
      forgeKey ??= pki.privateKeyFromPem(keyObject.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
      return forgeKey;
    },
  };
}

/** DER certificates from a PEM chain text, in order. */
export function pemChainToDer(chainPem: string): Buffer[] {
  return [...chainPem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)].map((m) =>
    Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'),
  );
}

/**
 * ServerKeyExchange for ECDHE_RSA (RFC 8422 §5.4, RFC 4492 §5.4):
 * ```
 * struct { ECCurveType curve_type = named_curve(3); NamedCurve namedcurve; opaque point <1..2^8-1>; } ServerECDHParams;
 * signed over ClientHello.random + ServerHello.random + ServerECDHParams:
 *   TLS 1.2: SignatureAndHashAlgorithm + RSASSA-PKCS1-v1_5 signature (RFC 5246 §7.4.3, §4.7)
 *   TLS 1.0/1.1: RSA PKCS#1 v1.5 type-1 padding over MD5(data) + SHA1(data), no DigestInfo (RFC 2246 §7.4.3)
 * ```
 * `randoms` is ClientHello.random followed by ServerHello.random; `ecdh` gets its key pair here.
 */
export function serverKeyExchange(ecdh: ECDH, key: PreparedKey, version: number, randoms: Buffer, signatureScheme: number): Buffer {
  const point = ecdh.generateKeys();
  const params = Buffer.concat([Buffer.from([3]), u16(SECP256R1), vector(1, point)]);
  const signed = Buffer.concat([randoms, params]);
  if (version >= 0x0303) {
    const hash = { 1025: 'sha256', 1281: 'sha384', 1537: 'sha512', 513: 'sha1' }[signatureScheme]!;
    const signature = sign(hash, signed, { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING });
    return Buffer.concat([params, u16(signatureScheme), vector(2, signature)]);
  }
  const digest = Buffer.concat([createHash('md5').update(signed).digest(), createHash('sha1').update(signed).digest()]);
  const signature = privateEncrypt({ key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, digest);
  return Buffer.concat([params, vector(2, signature)]);
}

/**
 * The premaster secret of an RSA key exchange (RFC 5246 §7.4.7.1): `encrypted` is the EncryptedPreMasterSecret's
 * ciphertext; on any failure a random premaster carrying `clientVersion` is used instead, so that the Finished check
 * fails and nothing is revealed (Bleichenbacher). Node 20 refuses PKCS#1 v1.5 decryption (CVE-2023-46809), so forge
 * does it.
 */
export function rsaPreMaster(key: PreparedKey, encrypted: Buffer, clientVersion: number): Buffer {
  const random = randomBytes(48);
  random.writeUInt16BE(clientVersion, 0);
  try {
    const decrypted = Buffer.from(key.forgeKey().decrypt(encrypted.toString('binary'), 'RSAES-PKCS1-V1_5'), 'binary');
    if (decrypted.length === 48 && decrypted.readUInt16BE(0) === clientVersion) return decrypted;
  } catch {
    // keep the random premaster
  }
  return random;
}

/** A big-endian uint16. */
export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}
