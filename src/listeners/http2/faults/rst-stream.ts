import type { ErrorCodeName } from '../../../h2/frames.js';
import { rstStreamFrame } from '../../../h2/frames.js';
import type { H2Fault } from '../session.js';

/**
 * h2-rst-refused-stream, h2-rst-internal-error: every request's stream is reset with RST_STREAM `code` (RFC 9113
 * §6.4) before any response; REFUSED_STREAM says the stream was not processed, so a retry is safe (§8.7).
 */
export const rstStream = (code: ErrorCodeName): H2Fault => ({
  onRequest(session, request) {
    session.report(`RST_STREAM ${code} on stream ${request.streamId}`);
    session.write(rstStreamFrame(request.streamId, code));
  },
});
