import { defineH2Fault } from '../define-fault.js';

/**
 * h2-no-server-preface: after the client's preface the server says nothing at all: no SETTINGS (its own preface,
 * RFC 9113 §3.4), no SETTINGS ACK, no response; the connection stays open until the client gives up (or the
 * farm's --max-hold-ms).
 */
export const noServerPrefaceFault = defineH2Fault({
  name: 'no-server-preface',
  params: {},
  defaults: {},
  create: () => ({
    settings: null,
    ackSettings: false,
    answerPing: false,
    onOpen(session) {
      session.report('no server preface');
    },
    onRequest() {},
  }),
});
