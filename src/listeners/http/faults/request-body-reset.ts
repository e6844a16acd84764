import { BLOCKING_BODY_BYTES } from '../../../client-request.js';
import { defineHttpFault } from '../define-fault.js';
import { flushed, gone } from '../response.js';

/**
 * request-body-reset: reads the request head, then resets the connection (RST) with the body unread: a proxy still
 * writing the body gets ECONNRESET (Varnish: "backend write error: 104 (Connection reset by peer)";
 * fastly-generated-errors § Errors in VCL: "backend write error"). With no body, the client just sees a reset, so
 * clients POST a body larger than the socket buffers.
 */
export const requestBodyResetFault = defineHttpFault({
  name: 'request-body-reset',
  params: {},
  defaults: {},
  request: () => ({ method: 'POST', bodyBytes: BLOCKING_BODY_BYTES }),
  async behaviour(context) {
    const length = Number(context.head.headers.find(([n]) => n === 'content-length')?.[1] ?? 0);
    context.fault(`RST after the head, ${Number.isFinite(length) ? length : '?'}-byte body unread`);
    await flushed(context.raw);
    if (!gone(context.raw)) context.raw.resetAndDestroy();
  },
});
