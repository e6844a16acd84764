import { Type } from 'typebox';
import { cacheableResponse, failingResponse } from '../cacheable-response.js';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { sendAndClose } from '../response.js';

/** health-flapping: healthy (the cacheable 200) for `periodMs`, then failing for `periodMs`, and so on from the start or last reset. */
export const healthFlappingFault = defineHttpFault({
  name: 'health-flapping',
  params: {
    /** The failing status (default 503). */
    failStatus: Type.Optional(PARAM.status),
    /** ms of each healthy or failing phase (default 10,000); healthy first. */
    periodMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
  },
  defaults: { failStatus: 503, periodMs: 10_000 },
  behaviour(context) {
    const phase = Math.floor((performance.now() - context.state.since) / context.params.periodMs);
    if (phase % 2 === 0) return sendAndClose(context.socket, cacheableResponse(context, 0, [], `healthy (phase ${phase})`));
    context.fault(`${context.params.failStatus} (failing phase ${phase})`);
    sendAndClose(context.socket, failingResponse(context, context.params.failStatus, `unhealthy (phase ${phase})`));
  },
});
