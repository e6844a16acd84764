import { defineH2Fault } from '../define-fault.js';
import { control } from './ok.js';

/**
 * h2-ping-unanswered: the control, except that no PING is ever acknowledged (RFC 9113 §6.7 requires the ACK): a
 * client that checks liveness with PING sees a dead connection.
 */
export const pingUnansweredFault = defineH2Fault({
  name: 'ping-unanswered',
  params: {},
  defaults: {},
  create: ({ ok }) => ({ ...control(ok), answerPing: false }),
});
