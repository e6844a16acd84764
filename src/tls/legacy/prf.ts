import { createHash, createHmac } from 'node:crypto';

/**
 * The TLS pseudo-random functions.
 *
 * RFC 5246 §5 (TLS 1.2; also RFC 2246 §5 and RFC 4346 §5 for P_hash):
 * ```
 * P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) + HMAC_hash(secret, A(2) + seed) + ...
 *   A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
 * PRF(secret, label, seed) = P_<hash>(secret, label + seed)      -- TLS 1.2: SHA-256 for every suite defined there
 * ```
 * RFC 2246 §5 / RFC 4346 §5 (TLS 1.0 and 1.1):
 * ```
 * L_S = length in bytes of secret; L_S1 = L_S2 = ceil(L_S / 2)
 * S1 = first L_S1 bytes of secret, S2 = last L_S2 bytes (they share a byte when L_S is odd)
 * PRF(secret, label, seed) = P_MD5(S1, label + seed) XOR P_SHA-1(S2, label + seed)
 * ```
 */

/**
 * P_hash of RFC 5246 §5: `length` bytes of HMAC expansion.
 * @param hash a node:crypto HMAC digest name (`md5`, `sha1`, `sha256`, `sha384`).
 */
export function pHash(hash: string, secret: Buffer, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let produced = 0;
  let a = seed;
  while (produced < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(seed).digest();
    out.push(block);
    produced += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** The TLS 1.0/1.1 PRF (RFC 2246 §5): P_MD5 over the first half of the secret XOR P_SHA-1 over the second half. */
export function prfTls10(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const half = Math.ceil(secret.length / 2);
  const s1 = secret.subarray(0, half);
  const s2 = secret.subarray(secret.length - half);
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const md5 = pHash('md5', s1, labelSeed, length);
  const sha1 = pHash('sha1', s2, labelSeed, length);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = md5[i]! ^ sha1[i]!;
  return out;
}

/** The TLS 1.2 PRF (RFC 5246 §5) with SHA-256 (every suite this engine serves). */
export function prfTls12(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  return pHash('sha256', secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
}

/** The PRF of a protocol version: TLS 1.2 (0x0303) uses prfTls12, TLS 1.0/1.1 prfTls10. */
export function prfFor(version: number): (secret: Buffer, label: string, seed: Buffer, length: number) => Buffer {
  return version >= 0x0303 ? prfTls12 : prfTls10;
}

/**
 * The handshake hash that Finished covers: MD5(messages) + SHA-1(messages) (36 bytes) for TLS 1.0/1.1
 * (RFC 2246 §7.4.9), SHA-256(messages) for TLS 1.2 (RFC 5246 §7.4.9).
 */
export function transcriptHash(version: number, messages: Buffer[]): Buffer {
  if (version >= 0x0303) {
    const hash = createHash('sha256');
    for (const m of messages) hash.update(m);
    return hash.digest();
  }
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  for (const m of messages) {
    md5.update(m);
    sha1.update(m);
  }
  return Buffer.concat([md5.digest(), sha1.digest()]);
}

/**
 * Finished.verify_data (RFC 5246 §7.4.9): `PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`,
 * label `client finished` or `server finished`.
 */
export function finishedVerifyData(version: number, masterSecret: Buffer, sender: 'client' | 'server', messages: Buffer[]): Buffer {
  return prfFor(version)(masterSecret, `${sender} finished`, transcriptHash(version, messages), 12);
}

/**
 * master_secret (RFC 5246 §8.1): `PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]`.
 */
export function masterSecret(version: number, preMaster: Buffer, clientRandom: Buffer, serverRandom: Buffer): Buffer {
  return prfFor(version)(preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

/**
 * key_block (RFC 5246 §6.3): `PRF(master_secret, "key expansion", server_random + client_random)`, cut into
 * client_write_MAC_key, server_write_MAC_key, client_write_key, server_write_key (no IVs for stream ciphers).
 */
export function keyBlock(
  version: number,
  master: Buffer,
  clientRandom: Buffer,
  serverRandom: Buffer,
  macLength: number,
  keyLength: number,
) {
  const block = prfFor(version)(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * (macLength + keyLength));
  let offset = 0;
  const take = (n: number) => {
    offset += n;
    return block.subarray(offset - n, offset);
  };
  return { clientMac: take(macLength), serverMac: take(macLength), clientKey: take(keyLength), serverKey: take(keyLength) };
}
