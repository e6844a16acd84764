import { SCENARIO_HEADER, finish, responseHead, writeAndWait } from '../response.js';
import type { Behaviour } from './context.js';

/** Size of the one buffer every oversized body is written from, in bytes. */
const BLOCK = 256 * 1024;
const block = Buffer.alloc(BLOCK, 0x61);
/** A whole chunked-encoding chunk of BLOCK bytes (size line, data, CRLF), built once. */
const chunkedBlock = Buffer.concat([Buffer.from(`${BLOCK.toString(16)}\r\n`), block, Buffer.from('\r\n')]);

/**
 * oversized-body: a `sizeBytes` body (default 25 GiB) generated on the fly from one shared 256 KiB buffer, written
 * only as fast as the client reads (backpressure), so memory stays flat whatever the size; framed by
 * Content-Length or (`encoding: chunked`) chunked encoding with a proper last chunk.
 * fastly-generated-errors § Errors in VCL: "Response object too large".
 */
export const oversizedBody: Behaviour = async (context) => {
  const size = context.params.sizeBytes ?? 25 * 1024 ** 3;
  const chunked = (context.params.encoding ?? 'content-length') === 'chunked';
  context.fault(`${size}-byte body, ${chunked ? 'chunked' : 'Content-Length'}`);
  const framing: [string, string | number] = chunked ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', size];
  const head = responseHead(200, [['Content-Type', 'application/octet-stream'], framing, ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id], ['Connection', 'close']]);
  context.socket.resume();
  if (!(await writeAndWait(context.socket, head))) return;
  if (context.head.method === 'HEAD') return finish(context.socket);
  let left = size;
  while (left >= BLOCK) {
    if (!(await writeAndWait(context.socket, chunked ? chunkedBlock : block))) return;
    left -= BLOCK;
  }
  if (left > 0) {
    const part = block.subarray(0, left);
    const ok = await writeAndWait(context.socket, chunked ? Buffer.concat([Buffer.from(`${left.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
    if (!ok) return;
  }
  if (chunked && !(await writeAndWait(context.socket, Buffer.from('0\r\n\r\n')))) return;
  finish(context.socket);
};
