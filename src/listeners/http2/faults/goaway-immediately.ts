import { defineH2Fault } from '../define-fault.js';

/**
 * h2-goaway-immediately: SETTINGS, then at once GOAWAY with last stream id 0 and NO_ERROR (RFC 9113 §6.8): the
 * server processed no stream, so the client's request was not processed and may be retried elsewhere.
 */
export const goawayImmediatelyFault = defineH2Fault({
  name: 'goaway-immediately',
  params: {},
  defaults: {},
  create: () => ({
    onOpen(session) {
      session.report('GOAWAY last-stream 0 NO_ERROR');
      session.goaway('NO_ERROR');
    },
    onRequest() {},
  }),
});
