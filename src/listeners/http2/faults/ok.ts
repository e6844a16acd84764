import { okResponse, requestMethod } from '../response.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/** h2-ok: a correct HTTP/2 server answering every request with the control's cacheable 200 (HEAD: no body). */
export function ok({ id }: FaultSetup): H2Fault {
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    onRequest(session, request) {
      const { fields, body } = okResponse(id, startedAt);
      session.respond(request.streamId, fields, requestMethod(request) === 'HEAD' ? null : body);
    },
  };
}
