import { ok } from './ok.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/**
 * h2-ping-unanswered: the control, except that no PING is ever acknowledged (RFC 9113 §6.7 requires the ACK): a
 * client that checks liveness with PING sees a dead connection.
 */
export const pingUnanswered = (setup: FaultSetup): H2Fault => ({ ...ok(setup), answerPing: false });
