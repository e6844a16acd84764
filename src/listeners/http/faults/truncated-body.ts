import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { writePartialBody } from '../partial-body.js';
import { finish, flushed } from '../response.js';

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
    if (!(await writePartialBody(context, context.params.contentLength, context.params.sentBytes, 'FIN'))) return;
    await flushed(context.socket);
    finish(context.socket);
  },
});
