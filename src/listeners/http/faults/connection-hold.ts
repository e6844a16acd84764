import { defineHttpFault } from '../define-fault.js';

/**
 * connection-hold: accepts and holds every connection without ever answering (reading and discarding what comes),
 * so a proxy's per-backend connection limit fills up (fastly-generated-errors § Errors in VCL:
 * "Backend.max_conn reached"). Runs before any request is read.
 */
export const connectionHoldFault = defineHttpFault({
  name: 'connection-hold',
  params: {},
  defaults: {},
  readsRequest: false,
  behaviour(context) {
    context.fault('holding the connection, no answer');
    context.socket.resume();
  },
});
