import type { Duplex } from 'node:stream';
import { writeAndWait } from './response.js';

/** Size of the one buffer every generated body (and header-overflow's filler) is written from, in bytes. */
export const FILL_BLOCK_BYTES = 256 * 1024;

/** The filler byte, `a`. */
export const FILL = 0x61;

const block = Buffer.alloc(FILL_BLOCK_BYTES, FILL);
/** A whole chunked-encoding chunk of FILL_BLOCK_BYTES (size line, data, CRLF), built once. */
const chunkedBlock = Buffer.concat([Buffer.from(`${FILL_BLOCK_BYTES.toString(16)}\r\n`), block, Buffer.from('\r\n')]);

/**
 * Writes `bytes` filler bytes on `socket` from the one shared block, as fast as the client reads (backpressure), so
 * memory stays flat whatever the size: a request costs no buffer of its own. With `chunked`, every piece is framed
 * as one chunk (RFC 9112 §7.1) of at most FILL_BLOCK_BYTES; no last chunk is written.
 * @returns true when everything was handed to the socket, false when it closed first.
 */
export async function writeFill(socket: Duplex, bytes: number, chunked = false): Promise<boolean> {
  let left = bytes;
  while (left >= FILL_BLOCK_BYTES) {
    if (!(await writeAndWait(socket, chunked ? chunkedBlock : block))) return false;
    left -= FILL_BLOCK_BYTES;
  }
  if (left === 0) return true;
  const part = block.subarray(0, left);
  if (!chunked) return writeAndWait(socket, part);
  if (!(await writeAndWait(socket, Buffer.from(`${left.toString(16)}\r\n`)))) return false;
  if (!(await writeAndWait(socket, part))) return false;
  return writeAndWait(socket, Buffer.from('\r\n'));
}
