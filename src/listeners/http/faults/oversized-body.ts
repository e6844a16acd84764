import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { writeFill } from '../filler.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, finish, responseHead, writeAndWait } from '../response.js';

/** Body bytes a client reads of an oversized body before it ends the connection (enough to show it streams). */
export const OVERSIZED_READ_BYTES = 1024 * 1024;

/**
 * oversized-body: a `sizeBytes` body (default 25 GiB) generated on the fly from the one shared filler block
 * (`writeFill`), written only as fast as the client reads (backpressure), so memory stays flat whatever the size;
 * framed by Content-Length or (`encoding: chunked`) chunked encoding with a proper last chunk. A client reads
 * OVERSIZED_READ_BYTES, then ends the connection.
 * fastly-generated-errors § Errors in VCL: "Response object too large".
 */
export const oversizedBodyFault = defineHttpFault({
  name: 'oversized-body',
  params: {
    /** Body size, in bytes (default 25 GiB). */
    sizeBytes: Type.Optional(PARAM.sizeBytes),
    /** `content-length` (default) or `chunked` framing. */
    encoding: Type.Optional(PARAM.encoding),
  },
  defaults: { sizeBytes: 25 * 1024 ** 3, encoding: 'content-length' },
  overrides: ['sizeBytes', 'encoding'],
  request: () => ({ method: 'GET', maxBodyBytes: OVERSIZED_READ_BYTES }),
  async behaviour(context) {
    const size = context.params.sizeBytes;
    const chunked = context.params.encoding === 'chunked';
    context.fault(`${size}-byte body, ${chunked ? 'chunked' : 'Content-Length'}`);
    const framing: [string, string | number] = chunked ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', size];
    const head = responseHead(200, [
      ['Content-Type', 'application/octet-stream'],
      framing,
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
      ['Connection', 'close'],
    ]);
    context.socket.resume();
    if (!(await writeAndWait(context.socket, head))) return;
    if (context.head.method === 'HEAD') return finish(context.socket);
    if (!(await writeFill(context.socket, size, chunked))) return;
    if (chunked && !(await writeAndWait(context.socket, Buffer.from('0\r\n\r\n')))) return;
    finish(context.socket);
  },
});
