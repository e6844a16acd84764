import { okResponse } from '../response.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/**
 * h2-idle-close: the control, but a connection without a request for `params.idleCloseMs` ms (default 1000) after
 * its last response is closed without a GOAWAY (TLS close_notify, then FIN): a client that reuses it loses its
 * request (cloudflare-http2-to-origin § Connection lifecycle: "Attempting to reuse a closed connection may result in
 * a 520 error").
 */
export function idleClose({ id, params }: FaultSetup): H2Fault {
  const startedAt = new Date();
  const idleMs = params.idleCloseMs ?? 1000;
  return {
    onRequest(session, request) {
      const { fields, body } = okResponse(id, startedAt);
      session.respond(request.streamId, fields, body);
      session.closeWhenIdle(idleMs, () => session.report(`idle ${idleMs} ms: closed without GOAWAY`));
    },
  };
}
