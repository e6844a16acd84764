import { dataFrame } from '../../../h2/frames.js';
import { okResponse } from '../response.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/**
 * h2-data-after-end-stream: the control's complete response (its DATA frame carries END_STREAM), then one more DATA
 * frame on the same, now closed, stream: a STREAM_CLOSED error for the client (RFC 9113 §5.1, state closed).
 */
export function dataAfterEndStream({ id }: FaultSetup): H2Fault {
  const startedAt = new Date();
  return {
    onRequest(session, request) {
      const { fields, body } = okResponse(id, startedAt);
      session.report(`DATA on stream ${request.streamId} after END_STREAM`);
      session.respond(request.streamId, fields, body);
      session.write(dataFrame(request.streamId, Buffer.from('after the end\n'), false));
    },
  };
}
