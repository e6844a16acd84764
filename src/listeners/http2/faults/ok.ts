import { defineH2Fault } from '../define-fault.js';
import { okResponse, requestMethod } from '../response.js';
import type { H2Fault } from '../session.js';

/** The control: a correct HTTP/2 server answering every request with a cacheable 200 (HEAD: no body). */
export function control(id: string): H2Fault {
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    onRequest(session, request) {
      const { fields, body } = okResponse(id, startedAt);
      session.respond(request.streamId, fields, requestMethod(request) === 'HEAD' ? null : body);
    },
  };
}

/** h2-ok (and the alpn-* listeners, which differ in `alpn` only): the control. */
export const okFault = defineH2Fault({
  name: 'ok',
  params: {},
  defaults: {},
  create: ({ id }) => control(id),
});
