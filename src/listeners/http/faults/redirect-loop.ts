import { defineHttpFault } from '../define-fault.js';
import { SCENARIO_HEADER, sendAndClose, simpleResponse } from '../response.js';

/** redirect-loop: `302 Found` with `Location` = the request target itself. */
export const redirectLoopFault = defineHttpFault({
  name: 'redirect-loop',
  params: {},
  defaults: {},
  behaviour(context) {
    context.fault(`302 to ${context.head.target}`);
    sendAndClose(
      context.socket,
      simpleResponse(
        302,
        `badorigin ${context.id}: redirecting to myself\n`,
        [
          ['Location', context.head.target],
          ['Cache-Control', 'no-store'],
          [SCENARIO_HEADER, context.id],
        ],
        context.head.method === 'HEAD',
      ),
    );
  },
});
