import { dataFrame } from '../../../h2/frames.js';
import { defineH2Fault } from '../define-fault.js';

/**
 * h2-data-after-end-stream: the control's complete response (its DATA frame carries END_STREAM), then one more DATA
 * frame on the same, now closed, stream: a STREAM_CLOSED error for the client (RFC 9113 §5.1, state closed).
 */
export const dataAfterEndStreamFault = defineH2Fault({
  name: 'data-after-end-stream',
  params: {},
  defaults: {},
  create({ ok }) {
    return {
      onRequest(session, request) {
        const { fields, body } = ok();
        session.report(`DATA on stream ${request.streamId} after END_STREAM`);
        session.respond(request.streamId, fields, body);
        session.write(dataFrame(request.streamId, Buffer.from('after the end\n'), false));
      },
    };
  },
});
