import { headersFrames } from '../../../h2/frames.js';
import { defineH2Fault } from '../define-fault.js';

/**
 * A header block that fails to decode: `:status: 200` from the static table (index 8), then an indexed field with
 * index 70, past the 61 static entries with nothing in the dynamic table (RFC 7541 §2.3.3: a decoding error).
 */
const BAD_BLOCK = Buffer.from([0x88, 0x80 | 70]);

/** h2-bad-hpack: every response is that header block, which the client must treat as COMPRESSION_ERROR (RFC 9113 §4.3). */
export const badHpackFault = defineH2Fault({
  name: 'bad-hpack',
  params: {},
  defaults: {},
  create: () => ({
    onRequest(session, request) {
      session.report(`undecodable header block on stream ${request.streamId}`);
      session.write(headersFrames(request.streamId, BAD_BLOCK, true));
    },
  }),
});
