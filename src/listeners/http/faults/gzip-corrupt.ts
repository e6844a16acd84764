import { defineHttpFault } from '../define-fault.js';
import { SCENARIO_HEADER, responseHead, sendAndClose } from '../response.js';

/** The gzip member header (RFC 1952 §2.3): magic, CM 8 (deflate), no flags, MTIME 0, XFL 0, OS 255 (unknown). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

/**
 * A gzip stream that starts well and cannot be inflated: the member header, a non-final stored deflate block
 * (RFC 1951 §3.2.4) carrying `text`, then a block header with BTYPE 11, which RFC 1951 §3.2.3 reserves as an error
 * (zlib: `invalid block type`), and eight bytes where a trailer would be. Every inflater stops there: the stream is
 * undecodable, not merely a bad checksum that a lenient client might not check.
 */
export function corruptGzip(text: string): Buffer {
  const data = Buffer.from(text);
  const stored = Buffer.alloc(5);
  stored[0] = 0x00; // BFINAL 0, BTYPE 00 (stored), padded to the byte
  stored.writeUInt16LE(data.length, 1);
  stored.writeUInt16LE(~data.length & 0xffff, 3);
  const reserved = Buffer.from([0x07]); // BFINAL 1, BTYPE 11
  return Buffer.concat([GZIP_HEADER, stored, data, reserved, Buffer.alloc(8)]);
}

/**
 * gzip-corrupt: a 200 with `Content-Encoding: gzip` (whatever the request's Accept-Encoding) and a correct
 * Content-Length, whose body is a gzip stream that fails to inflate (`corruptGzip`). A client that decodes it fails
 * with a decoding error; one that does not decode just gets the bytes. Clients ask for gzip and decode it.
 */
export const gzipCorruptFault = defineHttpFault({
  name: 'gzip-corrupt',
  params: {},
  defaults: {},
  request: () => ({ method: 'GET', acceptEncoding: 'gzip' }),
  behaviour(context) {
    const body = corruptGzip(`badorigin ${context.id}: this gzip stream breaks after this line\n`);
    context.fault(`Content-Encoding: gzip, ${body.length} bytes that do not inflate`);
    const head = responseHead(200, [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Encoding', 'gzip'],
      ['Content-Length', body.length],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
      ['Connection', 'close'],
    ]);
    sendAndClose(context.socket, context.head.method === 'HEAD' ? head : Buffer.concat([head, body]));
  },
});
