import { Type } from 'typebox';
import { cacheableResponse } from '../cacheable-response.js';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { sendAndClose } from '../response.js';

/** http-ok: the control, a cacheable 200 (see `cacheableResponse`). */
export const okFault = defineHttpFault({
  name: 'ok',
  params: {
    /** Cache-Control max-age, in seconds (default 60). */
    maxAgeS: Type.Optional(PARAM.maxAgeS),
  },
  defaults: { maxAgeS: 60 },
  overrides: ['maxAgeS'],
  behaviour(context) {
    sendAndClose(context.socket, cacheableResponse(context, context.params.maxAgeS));
  },
});
