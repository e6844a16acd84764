import { createRequire } from 'node:module';
import type Hpack from 'hpack.js';

let loaded: typeof Hpack | undefined;

/** hpack.js, loaded by the first HTTP/2 connection: a farm start, or a command that never speaks HTTP/2, does without it. */
function hpack(): typeof Hpack {
  loaded ??= createRequire(import.meta.url)('hpack.js') as typeof Hpack;
  return loaded;
}

/** A header field as HTTP/2 carries it: name and value strings (latin1 octets). */
export interface HeaderField {
  name: string;
  value: string;
}

/** SETTINGS_HEADER_TABLE_SIZE initial value, 4,096 bytes (RFC 9113 §6.5.2, RFC 7541 §4.2). */
const TABLE_SIZE = 4096;

/**
 * The HPACK encoder of one connection (RFC 7541, via hpack.js): header blocks must be encoded in the order they are
 * sent, since each may add to the dynamic table the peer's decoder keeps. Names are sent as given: HTTP/2 requires
 * lowercase names (RFC 9113 §8.2.1), which is the caller's business (a fault may break it).
 */
export class HeaderEncoder {
  private readonly compressor = hpack().compressor.create({ table: { size: TABLE_SIZE } });

  /** The header block of `fields`, in order. */
  encode(fields: HeaderField[]): Buffer {
    this.compressor.write(fields.map(({ name, value }) => ({ name, value })));
    return this.compressor.read() ?? Buffer.alloc(0);
  }
}

/**
 * The HPACK decoder of one connection (RFC 7541, via hpack.js). A block that fails to decode is a connection error
 * of type COMPRESSION_ERROR (RFC 9113 §4.3); the decoder is then unusable, as is the connection.
 */
export class HeaderDecoder {
  private readonly decompressor = hpack().decompressor.create({ table: { size: TABLE_SIZE } });
  private error: Error | null = null;

  constructor() {
    this.decompressor.on('error', (error) => (this.error = error));
  }

  /**
   * Decodes one complete header block (the fragments of a HEADERS frame and its CONTINUATION frames, joined).
   * @returns the fields, or the decoder's error message when the block is malformed.
   */
  decode(block: Buffer): { ok: true; fields: HeaderField[] } | { ok: false; error: string } {
    if (this.error) return { ok: false, error: this.error.message };
    try {
      this.decompressor.write(block);
      this.decompressor.execute();
    } catch (error) {
      this.error = error instanceof Error ? error : new Error(String(error));
    }
    const fields: HeaderField[] = [];
    for (let entry = this.decompressor.read(); entry; entry = this.decompressor.read())
      fields.push({ name: entry.name, value: entry.value });
    return this.error ? { ok: false, error: this.error.message } : { ok: true, fields };
  }
}
