import type { ECDH } from 'node:crypto';
import { Alert } from '../records.js';
import { rsaPreMaster, type PreparedKey } from './server-key.js';
import type { LegacySuite } from './suites.js';

/** What decoding a ClientKeyExchange needs of the handshake so far. */
export interface KeyExchangeState {
  keyExchange: LegacySuite['keyExchange'];
  /** The negotiated version's code point (0x0300 SSL 3.0 … 0x0303 TLS 1.2). */
  version: number;
  /** The ClientHello's client_version, which an RSA premaster secret carries (RFC 5246 §7.4.7.1). */
  clientVersion: number;
  /** The server's ephemeral P-256 key of an ECDHE_RSA exchange. */
  ecdh: ECDH | undefined;
  key: PreparedKey;
}

/**
 * The premaster secret from a ClientKeyExchange body: ClientECDiffieHellmanPublic (RFC 8422 §5.7) for ECDHE_RSA, an
 * EncryptedPreMasterSecret (RFC 5246 §7.4.7.1; a bare ciphertext in SSL 3.0) for RSA. Never throws: a body that does
 * not decode gives the fatal alert to send and why. An RSA ciphertext that does not decrypt is not an error here
 * (see `rsaPreMaster`).
 */
export function clientPreMaster(body: Buffer, state: KeyExchangeState): { secret: Buffer } | { alert: number; reason: string } {
  if (state.keyExchange === 'ecdhe_rsa') {
    if (body.length < 2 || body[0] !== body.length - 1)
      return { alert: Alert.decodeError, reason: 'malformed ClientECDiffieHellmanPublic' };
    try {
      return { secret: state.ecdh!.computeSecret(body.subarray(1)) };
    } catch {
      return { alert: Alert.illegalParameter, reason: 'client ECDH point is not on P-256' };
    }
  }
  let encrypted = body;
  if (state.version >= 0x0301) {
    if (encrypted.length < 2 || encrypted.readUInt16BE(0) !== encrypted.length - 2)
      return { alert: Alert.decodeError, reason: 'malformed EncryptedPreMasterSecret' };
    encrypted = encrypted.subarray(2);
  }
  return { secret: rsaPreMaster(state.key, encrypted, state.clientVersion) };
}
