import { defineH2Fault } from '../define-fault.js';
import { okResponse } from '../response.js';

/**
 * h2-settings-never-acked: the server sends its SETTINGS and answers requests, but never acknowledges the client's
 * SETTINGS (RFC 9113 §6.5.3: a client may treat that as a SETTINGS_TIMEOUT connection error).
 */
export const settingsNeverAckedFault = defineH2Fault({
  name: 'settings-never-acked',
  params: {},
  defaults: {},
  create({ id }) {
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
  },
});
