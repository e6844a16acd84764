import { defineH2Fault } from '../define-fault.js';

/**
 * h2-settings-never-acked: the server sends its SETTINGS and answers requests, but never acknowledges the client's
 * SETTINGS (RFC 9113 §6.5.3: a client may treat that as a SETTINGS_TIMEOUT connection error).
 */
export const settingsNeverAckedFault = defineH2Fault({
  name: 'settings-never-acked',
  params: {},
  defaults: {},
  create({ ok }) {
    return {
      ackSettings: false,
      onOpen(session) {
        session.report('client SETTINGS never acknowledged');
      },
      onRequest(session, request) {
        const { fields, body } = ok();
        session.respond(request.streamId, fields, body);
      },
    };
  },
});
