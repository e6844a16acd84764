import type { ErrorCodeName } from '../../../h2/frames.js';
import { rstStreamFrame } from '../../../h2/frames.js';
import type { H2Fault } from '../session.js';

/**
 * Resets every request's stream with RST_STREAM `code` (RFC 9113 §6.4) before any response (rst-refused-stream,
 * rst-internal-error).
 */
export const resetEveryStream = (code: ErrorCodeName): H2Fault => ({
  onRequest(session, request) {
    session.report(`RST_STREAM ${code} on stream ${request.streamId}`);
    session.write(rstStreamFrame(request.streamId, code));
  },
});
