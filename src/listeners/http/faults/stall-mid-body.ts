import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { writeFill } from '../filler.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, responseHead, writeAndWait } from '../response.js';

/**
 * stall-mid-body: the response head (Content-Length `contentLength`, default 1 MiB) and `sentBytes` (default
 * 1024, at most `contentLength` - 1) body bytes as fast as the client reads them (generated from the shared filler
 * block, so no request costs a buffer of its size), then nothing, the connection held open until the client (or the
 * farm's hold cap) ends it. fastly-generated-errors § Errors in VCL: "backend read error" (the between-bytes timeout).
 */
export const stallMidBodyFault = defineHttpFault({
  name: 'stall-mid-body',
  params: {
    /** Content-Length announced, in bytes (default 1 MiB). */
    contentLength: Type.Optional(PARAM.contentLength),
    /** Body bytes actually sent before the stall (default 1024). */
    sentBytes: Type.Optional(PARAM.sentBytes),
  },
  defaults: { contentLength: 1024 * 1024, sentBytes: 1024 },
  overrides: ['contentLength', 'sentBytes'],
  async behaviour(context) {
    const length = context.params.contentLength;
    const sent = Math.min(context.params.sentBytes, Math.max(length - 1, 0));
    context.fault(`stalled after ${sent} of ${length} body bytes`);
    const head = responseHead(200, [
      ['Content-Type', 'application/octet-stream'],
      ['Content-Length', length],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
    ]);
    // Keep reading whatever the client sends, so the kernel never resets a held connection for unread data.
    context.socket.resume();
    if (!(await writeAndWait(context.socket, head))) return;
    await writeFill(context.socket, sent);
  },
});
