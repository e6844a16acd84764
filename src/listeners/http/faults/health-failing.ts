import { Type } from 'typebox';
import { failingResponse } from '../cacheable-response.js';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { sendAndClose } from '../response.js';

/** health-failing: every request, health checks included, gets `failStatus` (fastly-generated-errors: "Backend is unhealthy"). */
export const healthFailingFault = defineHttpFault({
  name: 'health-failing',
  params: {
    /** The failing status (default 503). */
    failStatus: Type.Optional(PARAM.status),
  },
  defaults: { failStatus: 503 },
  behaviour(context) {
    context.fault(`${context.params.failStatus} (always failing)`);
    sendAndClose(context.socket, failingResponse(context, context.params.failStatus, 'unhealthy'));
  },
});
