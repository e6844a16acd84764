import { rstStreamFrame } from '../../../h2/frames.js';
import { okResponse } from '../response.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/** h2-rst-after-headers: the control's response HEADERS (200, a content-length), then RST_STREAM INTERNAL_ERROR instead of the body. */
export function rstAfterHeaders({ id }: FaultSetup): H2Fault {
  const startedAt = new Date();
  return {
    onRequest(session, request) {
      session.report(`HEADERS 200 then RST_STREAM INTERNAL_ERROR on stream ${request.streamId}`);
      session.headers(request.streamId, okResponse(id, startedAt).fields, false);
      session.write(rstStreamFrame(request.streamId, 'INTERNAL_ERROR'));
    },
  };
}
