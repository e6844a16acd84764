import { createHmac, timingSafeEqual } from 'node:crypto';
import { Rc4 } from './rc4.js';

/**
 * One direction of record protection for a stream cipher suite: RC4-128 with HMAC-MD5 or HMAC-SHA1
 * (RFC 5246 §6.2.3.1 GenericStreamCipher; the same in RFC 2246 and RFC 4346).
 *
 * ```
 * stream-ciphered struct {
 *     opaque content[TLSCompressed.length];
 *     opaque MAC[SecurityParameters.mac_length];
 * } GenericStreamCipher;
 *
 * MAC(MAC_write_key, seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length + TLSCompressed.fragment)
 * ```
 * seq_num is a uint64 that starts at 0 for each direction when its ChangeCipherSpec takes effect (§6.1).
 */
export class StreamCipherState {
  private readonly rc4: Rc4;
  private seq = 0n;
  readonly macLength: number;

  /**
   * @param mac `sha1` (20-byte MAC) or `md5` (16-byte MAC).
   * @param macKey the direction's MAC key (20 or 16 bytes).
   * @param key the direction's RC4 key (16 bytes).
   */
  constructor(
    private readonly mac: 'sha1' | 'md5',
    private readonly macKey: Buffer,
    key: Buffer,
  ) {
    this.rc4 = new Rc4(key);
    this.macLength = mac === 'sha1' ? 20 : 16;
  }

  private computeMac(type: number, version: number, content: Buffer): Buffer {
    const header = Buffer.alloc(13);
    header.writeBigUInt64BE(this.seq, 0);
    header[8] = type;
    header.writeUInt16BE(version, 9);
    header.writeUInt16BE(content.length, 11);
    return createHmac(this.mac, this.macKey).update(header).update(content).digest();
  }

  /** Protects one record's content: returns the ciphertext fragment (content + MAC, RC4-encrypted) and advances seq_num. */
  seal(type: number, version: number, content: Buffer): Buffer {
    const mac = this.computeMac(type, version, content);
    this.seq++;
    return this.rc4.update(Buffer.concat([content, mac]));
  }

  /**
   * Decrypts one record's fragment and checks its MAC; advances seq_num.
   * @returns the content, or null when the fragment is shorter than a MAC or the MAC does not match (bad_record_mac, 20).
   */
  open(type: number, version: number, fragment: Buffer): Buffer | null {
    const plain = this.rc4.update(fragment);
    if (plain.length < this.macLength) return null;
    const content = plain.subarray(0, plain.length - this.macLength);
    const mac = plain.subarray(plain.length - this.macLength);
    const expected = this.computeMac(type, version, content);
    this.seq++;
    return timingSafeEqual(mac, expected) ? content : null;
  }
}
