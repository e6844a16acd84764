import { rstStreamFrame } from '../../../h2/frames.js';
import { defineH2Fault } from '../define-fault.js';
import type { H2Session } from '../session.js';

/** How long each response takes, in ms, so that a client's streams overlap. */
const ANSWER_DELAY_MS = 200;

/**
 * h2-max-concurrent-streams-1: announces SETTINGS_MAX_CONCURRENT_STREAMS 1 and answers each request after
 * 200 ms; a stream opened while another is still open is reset with REFUSED_STREAM (RFC 9113 §5.1.2).
 */
export const maxConcurrentStreams1Fault = defineH2Fault({
  name: 'max-concurrent-streams-1',
  params: {},
  defaults: {},
  create({ ok }) {
    const open = new WeakMap<H2Session, number>();
    return {
      settings: { MAX_CONCURRENT_STREAMS: 1 },
      onRequest(session, request) {
        if (open.has(session)) {
          session.report(`stream ${request.streamId} past MAX_CONCURRENT_STREAMS 1: RST_STREAM REFUSED_STREAM`);
          return session.write(rstStreamFrame(request.streamId, 'REFUSED_STREAM'));
        }
        open.set(session, request.streamId);
        const timer = setTimeout(() => {
          open.delete(session);
          const { fields, body } = ok();
          session.respond(request.streamId, fields, body);
        }, ANSWER_DELAY_MS);
        timer.unref();
        session.socket.once('close', () => clearTimeout(timer));
      },
    };
  },
});
