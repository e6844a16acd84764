import { defineHttpFault } from '../define-fault.js';
import { writeFill } from '../filler.js';
import { SCENARIO_HEADER, finish, flushed, responseHead, writeAndWait } from '../response.js';

/** The range the response claims: its first 1 KiB of a 1 MiB representation. */
const RANGE_BYTES = 1024;
const COMPLETE_BYTES = 1024 * 1024;
/** Body bytes sent, and announced by Content-Length: half the range. */
const SENT_BYTES = RANGE_BYTES / 2;

/**
 * content-range-length-mismatch: a 206 whose `Content-Range: bytes 0-1023/1048576` claims 1024 bytes while its
 * `Content-Length` (512) and the body (512 bytes) agree with each other, then FIN; sent whatever the request's
 * Range. The message is well framed (RFC 9112 §6.3), but its length contradicts the range it says it carries (RFC
 * 9110 §14.4, §15.3.7): what CloudFront names `OriginContentRangeLengthError` (cloudfront-log-fields §
 * x-edge-detailed-result-type).
 */
export const contentRangeLengthMismatchFault = defineHttpFault({
  name: 'content-range-length-mismatch',
  params: {},
  defaults: {},
  async behaviour(context) {
    context.fault(`206, Content-Range bytes 0-${RANGE_BYTES - 1}/${COMPLETE_BYTES}, Content-Length ${SENT_BYTES}`);
    const head = responseHead(206, [
      ['Content-Type', 'application/octet-stream'],
      ['Content-Range', `bytes 0-${RANGE_BYTES - 1}/${COMPLETE_BYTES}`],
      ['Content-Length', SENT_BYTES],
      ['Accept-Ranges', 'bytes'],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
      ['Connection', 'close'],
    ]);
    context.socket.resume();
    if (!(await writeAndWait(context.socket, head))) return;
    if (context.head.method !== 'HEAD' && !(await writeFill(context.socket, SENT_BYTES))) return;
    await flushed(context.socket);
    finish(context.socket);
  },
});
