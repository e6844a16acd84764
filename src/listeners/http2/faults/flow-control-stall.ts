import { okResponse } from '../response.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/**
 * h2-flow-control-stall: the server announces SETTINGS_INITIAL_WINDOW_SIZE 0 (RFC 9113 §6.9.2) and never sends a
 * WINDOW_UPDATE, so a client cannot send one byte of a request body; it answers only once a request has ended. A
 * request without a body (GET) gets the 200; one with a body waits for a window that never opens.
 */
export function flowControlStall({ id }: FaultSetup): H2Fault {
  const startedAt = new Date();
  return {
    settings: { MAX_CONCURRENT_STREAMS: 100, INITIAL_WINDOW_SIZE: 0 },
    onRequest(session, request) {
      if (!request.endStream) return session.report(`stream ${request.streamId} has a body: its window stays closed`);
      const { fields, body } = okResponse(id, startedAt);
      session.respond(request.streamId, fields, body);
    },
  };
}
