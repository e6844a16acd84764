import { defineH2Fault } from '../define-fault.js';
import { type OkAnswer, requestMethod } from '../response.js';
import type { H2Fault } from '../session.js';

/** The control: a correct HTTP/2 server answering every request with a cacheable 200 (HEAD: no body). */
export function control(ok: () => OkAnswer): H2Fault {
  return {
    onRequest(session, request) {
      const { fields, body } = ok();
      session.respond(request.streamId, fields, requestMethod(request) === 'HEAD' ? null : body);
    },
  };
}

/** h2-ok (and the alpn-* listeners, which differ in `alpn` only): the control. */
export const okFault = defineH2Fault({
  name: 'ok',
  params: {},
  defaults: {},
  create: ({ ok }) => control(ok),
});
