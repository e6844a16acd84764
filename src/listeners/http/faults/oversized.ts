import { writeFill } from '../filler.js';
import { SCENARIO_HEADER, finish, responseHead, writeAndWait } from '../response.js';
import type { Behaviour } from './context.js';

/**
 * oversized-body: a `sizeBytes` body (default 25 GiB) generated on the fly from the one shared filler block
 * (`writeFill`), written only as fast as the client reads (backpressure), so memory stays flat whatever the size;
 * framed by Content-Length or (`encoding: chunked`) chunked encoding with a proper last chunk.
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
  if (!(await writeFill(context.socket, size, chunked))) return;
  if (chunked && !(await writeAndWait(context.socket, Buffer.from('0\r\n\r\n')))) return;
  finish(context.socket);
};
