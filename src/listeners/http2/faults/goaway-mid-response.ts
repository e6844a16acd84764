import { dataFrame } from '../../../h2/frames.js';
import { defineH2Fault } from '../define-fault.js';

/** Body bytes announced in content-length, and the part sent before the GOAWAY. */
const BODY_BYTES = 65_536;
const SENT_BYTES = 1_024;

/**
 * h2-goaway-mid-response: response HEADERS announcing a 64 KiB body, 1 KiB of it in a DATA frame, then GOAWAY
 * (last stream id: this stream, so it was being processed; NO_ERROR, RFC 9113 §6.8) and the connection closes with
 * the rest of the body never sent.
 */
export const goawayMidResponseFault = defineH2Fault({
  name: 'goaway-mid-response',
  params: {},
  defaults: {},
  create({ ok }) {
    return {
      onRequest(session, request) {
        const fields = ok().fields.map((f) => (f.name === 'content-length' ? { name: f.name, value: String(BODY_BYTES) } : f));
        session.report(`GOAWAY NO_ERROR after ${SENT_BYTES} of ${BODY_BYTES} body bytes, then close`);
        session.headers(request.streamId, fields, false);
        session.write(dataFrame(request.streamId, Buffer.alloc(SENT_BYTES, 0x61), false));
        session.goaway('NO_ERROR');
      },
    };
  },
});
