import { defineH2Fault } from '../define-fault.js';
import { resetEveryStream } from './rst-stream.js';

/** h2-rst-internal-error: every request's stream is reset with RST_STREAM INTERNAL_ERROR (RFC 9113 §6.4) before any response. */
export const rstInternalErrorFault = defineH2Fault({
  name: 'rst-internal-error',
  params: {},
  defaults: {},
  create: () => resetEveryStream('INTERNAL_ERROR'),
});
