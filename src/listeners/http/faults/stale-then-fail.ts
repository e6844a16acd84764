import { Type } from 'typebox';
import { cacheableResponse, failingResponse } from '../cacheable-response.js';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { sendAndClose } from '../response.js';

/** stale-then-fail: the first request since start or reset gets a cacheable 200 (max-age `maxAgeS`, default 5), every later one fails. */
export const staleThenFailFault = defineHttpFault({
  name: 'stale-then-fail',
  params: {
    /** The failing status (default 503). */
    failStatus: Type.Optional(PARAM.status),
    /** Cache-Control max-age of the first answer, in seconds (default 5). */
    maxAgeS: Type.Optional(PARAM.maxAgeS),
  },
  defaults: { failStatus: 503, maxAgeS: 5 },
  overrides: ['maxAgeS'],
  behaviour(context) {
    if (context.state.served === 1)
      return sendAndClose(context.socket, cacheableResponse(context, context.params.maxAgeS, [], 'cacheable 200, the last one'));
    context.fault(`${context.params.failStatus} (request ${context.state.served})`);
    sendAndClose(context.socket, failingResponse(context, context.params.failStatus, 'failing since the first request'));
  },
});
