import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { writePartialBody } from '../partial-body.js';

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
    await writePartialBody(context, context.params.contentLength, context.params.sentBytes, 'stalled');
  },
});
