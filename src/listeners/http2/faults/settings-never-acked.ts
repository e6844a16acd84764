import { okResponse } from '../response.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/**
 * h2-settings-never-acked: the server sends its SETTINGS and answers requests, but never acknowledges the client's
 * SETTINGS (RFC 9113 §6.5.3: a client may treat that as a SETTINGS_TIMEOUT connection error).
 */
export function settingsNeverAcked({ id }: FaultSetup): H2Fault {
  const startedAt = new Date();
  return {
    ackSettings: false,
    onOpen(session) {
      session.report('client SETTINGS never acknowledged');
    },
    onRequest(session, request) {
      const { fields, body } = okResponse(id, startedAt);
      session.respond(request.streamId, fields, body);
    },
  };
}
