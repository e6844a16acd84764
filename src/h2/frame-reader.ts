import { CLIENT_PREFACE, DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_BYTES, checkPreface, decodeFrameHeader, type Frame } from './frames.js';

/** What a FrameReader makes of the bytes given so far. */
export type ReadResult =
  | { ok: true; frames: Frame[] }
  /** `preface`: the client preface was wrong (RFC 9113 §3.4); `frame-size`: a frame past the largest allowed (§4.2). */
  | { ok: false; error: 'preface' | 'frame-size'; detail: string };

/**
 * Splits what a client sends into frames (RFC 9113 §4.1), after checking the client connection preface (§3.4)
 * when `expectPreface`. Bounded: a frame longer than `maxFrameSize` bytes (default 16,384, the SETTINGS_MAX_FRAME_SIZE
 * a server that announces nothing else allows) is an error before its payload is read, so at most one frame header
 * and `maxFrameSize` bytes are ever kept between calls. After an error the reader refuses everything.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceSeen: boolean;
  private failed: ReadResult | null = null;

  constructor(private readonly options: { expectPreface: boolean; maxFrameSize?: number }) {
    this.prefaceSeen = !options.expectPreface;
  }

  /** Frames completed by `chunk` (maybe none), or the error that ends the connection. */
  push(chunk: Buffer): ReadResult {
    if (this.failed) return this.failed;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!this.prefaceSeen) {
      const preface = checkPreface(this.pending);
      if (preface === 'mismatch') return this.fail('preface', 'not the HTTP/2 client preface');
      if (preface === 'partial') return { ok: true, frames: [] };
      this.prefaceSeen = true;
      this.pending = this.pending.subarray(CLIENT_PREFACE.length);
    }
    const max = this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const frames: Frame[] = [];
    for (;;) {
      const header = decodeFrameHeader(this.pending);
      if (!header) break;
      if (header.length > max) return this.fail('frame-size', `frame of ${header.length} bytes, more than ${max}`);
      if (this.pending.length < FRAME_HEADER_BYTES + header.length) break;
      const end = FRAME_HEADER_BYTES + header.length;
      frames.push({ ...header, payload: Buffer.from(this.pending.subarray(FRAME_HEADER_BYTES, end)) });
      this.pending = this.pending.subarray(end);
    }
    if (this.pending.length) this.pending = Buffer.from(this.pending);
    return { ok: true, frames };
  }

  /** Bytes held between calls (for tests of the bound). */
  get buffered(): number {
    return this.pending.length;
  }

  private fail(error: 'preface' | 'frame-size', detail: string): ReadResult {
    this.pending = Buffer.alloc(0);
    this.failed = { ok: false, error, detail };
    return this.failed;
  }
}
