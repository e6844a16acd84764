import { defineH2Fault } from '../define-fault.js';
import { resetEveryStream } from './rst-stream.js';

/**
 * h2-rst-refused-stream: every request's stream is reset with RST_STREAM REFUSED_STREAM before any response, which
 * says the stream was not processed, so a retry is safe (RFC 9113 §8.7).
 */
export const rstRefusedStreamFault = defineH2Fault({
  name: 'rst-refused-stream',
  params: {},
  defaults: {},
  create: () => resetEveryStream('REFUSED_STREAM'),
});
