import { gzipSync } from 'node:zlib';
import { defineHttpFault } from '../define-fault.js';
import { SCENARIO_HEADER, flushed, finish, responseHead, writeAndWait } from '../response.js';

/** Lines of the uncompressed body: enough text that gzip shrinks it to a small fraction (about 4 KiB to some 200 bytes). */
const BODY_LINES = 64;

/**
 * gzip-length-mismatch: a 200 with `Content-Encoding: gzip` (whatever the request's Accept-Encoding) and a complete,
 * valid gzip stream, whose `Content-Length` is the length of the uncompressed text: what a compression layer that
 * forgets to update the header sends (cloudflare-error-502-504 § 502/504 from Cloudflare). The compressed bytes are
 * fewer, so the message ends short: the connection is closed (FIN, `Connection: close`) after them. A client that
 * frames by Content-Length sees a truncated body, even though what it got inflates completely.
 */
export const gzipLengthMismatchFault = defineHttpFault({
  name: 'gzip-length-mismatch',
  params: {},
  defaults: {},
  request: () => ({ method: 'GET', acceptEncoding: 'gzip' }),
  async behaviour(context) {
    const text = Buffer.from(
      Array.from({ length: BODY_LINES }, (_, i) => `badorigin ${context.id}: line ${i} of a body gzip shrinks well\n`).join(''),
    );
    const body = gzipSync(text);
    context.fault(`Content-Encoding: gzip, Content-Length ${text.length} (the uncompressed length), ${body.length} gzip bytes, FIN`);
    const head = responseHead(200, [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Encoding', 'gzip'],
      ['Content-Length', text.length],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
      ['Connection', 'close'],
    ]);
    context.socket.resume();
    if (!(await writeAndWait(context.socket, context.head.method === 'HEAD' ? head : Buffer.concat([head, body])))) return;
    await flushed(context.socket);
    finish(context.socket);
  },
});
