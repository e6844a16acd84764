import { Type } from 'typebox';
import { DEFAULT_CAPS } from '../../caps.js';
import { defineH2Fault } from '../define-fault.js';

/**
 * h2-idle-close: the control, but a connection without a request for `idleCloseMs` ms (default 1000) after its last
 * response is closed without a GOAWAY (TLS close_notify, then FIN): a client that reuses it loses its request
 * (cloudflare-http2-to-origin § Connection lifecycle: "Attempting to reuse a closed connection may result in a 520
 * error").
 */
export const idleCloseFault = defineH2Fault({
  name: 'idle-close',
  params: {
    /** ms after the last response before the connection is closed without GOAWAY (at most the default --max-hold-ms). */
    idleCloseMs: Type.Optional(Type.Integer({ minimum: 1, maximum: DEFAULT_CAPS.maxHoldMs })),
  },
  defaults: { idleCloseMs: 1000 },
  create({ params, ok }) {
    const idleMs = params.idleCloseMs;
    return {
      onRequest(session, request) {
        const { fields, body } = ok();
        session.respond(request.streamId, fields, body);
        session.closeWhenIdle(idleMs, () => session.report(`idle ${idleMs} ms: closed without GOAWAY`));
      },
    };
  },
});
