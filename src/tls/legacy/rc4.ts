/**
 * RC4 (ARCFOUR) stream cipher, in TypeScript, because Node 20's OpenSSL 3 exposes `rc4` to createCipheriv only with
 * `--openssl-legacy-provider`. Used for TLS_*_WITH_RC4_128_* record protection (RFC 5246 §6.2.3.1, RFC 2246 §6.2.3.1),
 * which RFC 7465 prohibits: the farm serves it precisely because clients must refuse it.
 *
 * Key scheduling and generation (Schneier, Applied Cryptography §17.1; test vectors in RFC 6229):
 * ```
 * for i = 0..255: S[i] = i
 * j = 0; for i = 0..255: j = (j + S[i] + key[i mod keylength]) mod 256; swap(S[i], S[j])
 * i = j = 0; for each byte: i = (i + 1) mod 256; j = (j + S[i]) mod 256; swap(S[i], S[j]); out = in XOR S[(S[i] + S[j]) mod 256]
 * ```
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  /** @param key 1–256 bytes (TLS uses 16). @throws RangeError for an empty or longer key. */
  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 256) throw new RangeError(`RC4 key of ${key.length} bytes`);
    const s = this.s;
    for (let i = 0; i < 256; i++) s[i] = i;
    for (let i = 0, j = 0; i < 256; i++) {
      j = (j + s[i]! + key[i % key.length]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
    }
  }

  /** XORs `data` with the next `data.length` keystream bytes (encryption and decryption are the same); returns a new Buffer. */
  update(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    const s = this.s;
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return out;
  }
}
