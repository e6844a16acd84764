import { rstStreamFrame } from '../../../h2/frames.js';
import { defineH2Fault } from '../define-fault.js';

/** h2-rst-after-headers: the control's response HEADERS (200, a content-length), then RST_STREAM INTERNAL_ERROR instead of the body. */
export const rstAfterHeadersFault = defineH2Fault({
  name: 'rst-after-headers',
  params: {},
  defaults: {},
  create({ ok }) {
    return {
      onRequest(session, request) {
        session.report(`HEADERS 200 then RST_STREAM INTERNAL_ERROR on stream ${request.streamId}`);
        session.headers(request.streamId, ok().fields, false);
        session.write(rstStreamFrame(request.streamId, 'INTERNAL_ERROR'));
      },
    };
  },
});
