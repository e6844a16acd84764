import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { writeFill } from '../filler.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, finish, flushed, responseHead, writeAndWait } from '../response.js';

/**
 * truncated-body: Content-Length `contentLength` (default 1 MiB) but only `sentBytes` (default 1024, at most
 * `contentLength` - 1) body bytes, generated from the shared filler block as fast as the client reads, then FIN
 * (RFC 9112 §8: an incomplete message).
 */
export const truncatedBodyFault = defineHttpFault({
  name: 'truncated-body',
  params: {
    /** Content-Length announced, in bytes (default 1 MiB). */
    contentLength: Type.Optional(PARAM.contentLength),
    /** Body bytes actually sent before the FIN (default 1024). */
    sentBytes: Type.Optional(PARAM.sentBytes),
  },
  defaults: { contentLength: 1024 * 1024, sentBytes: 1024 },
  overrides: ['contentLength', 'sentBytes'],
  async behaviour(context) {
    const length = context.params.contentLength;
    const sent = Math.min(context.params.sentBytes, Math.max(length - 1, 0));
    context.fault(`FIN after ${sent} of ${length} body bytes`);
    const head = responseHead(200, [
      ['Content-Type', 'application/octet-stream'],
      ['Content-Length', length],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
    ]);
    context.socket.resume();
    if (!(await writeAndWait(context.socket, head))) return;
    if (!(await writeFill(context.socket, sent))) return;
    await flushed(context.socket);
    finish(context.socket);
  },
});
