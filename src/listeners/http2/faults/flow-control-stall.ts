import { defineH2Fault } from '../define-fault.js';

/**
 * h2-flow-control-stall: the server announces SETTINGS_INITIAL_WINDOW_SIZE 0 (RFC 9113 §6.9.2) and never sends a
 * WINDOW_UPDATE, and a request is answered once it has ended. A client may send 65,535 bytes (the initial windows)
 * before it sees the SETTINGS and nothing after: a request without a body (GET), or a small one, gets the 200; a
 * larger body waits for a window that never opens.
 */
export const flowControlStallFault = defineH2Fault({
  name: 'flow-control-stall',
  params: {},
  defaults: {},
  create({ ok }) {
    return {
      settings: { MAX_CONCURRENT_STREAMS: 100, INITIAL_WINDOW_SIZE: 0 },
      windowUpdates: false,
      onOpen(session) {
        session.report('SETTINGS_INITIAL_WINDOW_SIZE 0, no WINDOW_UPDATE ever');
      },
      onRequest(session, request) {
        const { fields, body } = ok();
        session.respond(request.streamId, fields, body);
      },
    };
  },
});
