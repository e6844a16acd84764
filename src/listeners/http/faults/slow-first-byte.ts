import { Type } from 'typebox';
import { cacheableResponse } from '../cacheable-response.js';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { finish, sleep } from '../response.js';

/**
 * slow-first-byte: reads the request head, sends nothing for `delayMs` (default 60 s, beyond Fastly's 15 s
 * first_byte_timeout and CloudFront's 30 s origin response timeout), then the cacheable 200.
 * fastly-generated-errors § Errors in VCL: "first byte timeout".
 */
export const slowFirstByteFault = defineHttpFault({
  name: 'slow-first-byte',
  params: {
    /** ms between the end of the request head and the first response byte (default 60,000). */
    delayMs: Type.Optional(PARAM.delayMs),
    /** Cache-Control max-age of the late 200, in seconds (default 60). */
    maxAgeS: Type.Optional(PARAM.maxAgeS),
  },
  defaults: { delayMs: 60_000, maxAgeS: 60 },
  overrides: ['delayMs', 'maxAgeS'],
  async behaviour(context) {
    const delay = context.params.delayMs;
    context.fault(`first byte in ${delay} ms`);
    // Keep reading (and discarding) during the delay, so a client that gives up is noticed and its timer cleared.
    context.socket.resume();
    if (!(await sleep(context.socket, delay))) return;
    context.socket.write(cacheableResponse(context, context.params.maxAgeS, [], `first byte after ${delay} ms`));
    finish(context.socket);
  },
});
