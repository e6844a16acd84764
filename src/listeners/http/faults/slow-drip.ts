import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { writeFill } from '../filler.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, finish, responseHead, sleep } from '../response.js';

/**
 * slow-drip: the head at once (Content-Length = chunks × chunkBytes), then one `chunkBytes` chunk every
 * `intervalMs` (defaults 30 × 1024 bytes every 2 s: each gap under a between-bytes timeout, 60 s in all), so only
 * a total-time limit trips. The first chunk goes with the head; chunks are written from the shared filler block.
 * A client reads the chunks that span its read timeout and a second more (what shows that the timeout is between
 * bytes, not in all), then ends the connection.
 */
export const slowDripFault = defineHttpFault({
  name: 'slow-drip',
  params: {
    /** Number of body chunks (default 30). */
    chunks: Type.Optional(PARAM.chunks),
    /** Bytes per chunk (default 1024). */
    chunkBytes: Type.Optional(PARAM.chunkBytes),
    /** ms between chunks (default 2,000: under Fastly's 10 s and Varnish's 60 s between-bytes timeouts). */
    intervalMs: Type.Optional(PARAM.delayMs),
  },
  defaults: { chunks: 30, chunkBytes: 1024, intervalMs: 2_000 },
  overrides: ['chunks', 'chunkBytes', 'intervalMs'],
  request(params, client) {
    const chunks = Math.ceil(((client.readTimeoutS + 1) * 1000) / params.intervalMs) + 1;
    return { method: 'GET', maxBodyBytes: chunks * params.chunkBytes };
  },
  async behaviour(context) {
    const { chunks, chunkBytes: size, intervalMs: interval } = context.params;
    context.fault(`${chunks} chunks of ${size} bytes, one every ${interval} ms`);
    context.socket.resume();
    context.socket.write(
      responseHead(200, [
        ['Content-Type', 'application/octet-stream'],
        ['Content-Length', chunks * size],
        ['Cache-Control', 'no-store'],
        [SCENARIO_HEADER, context.id],
        ['Connection', 'close'],
      ]),
    );
    for (let i = 0; i < chunks; i++) {
      if (i > 0 && !(await sleep(context.socket, interval))) return;
      if (!(await writeFill(context.socket, size))) return;
    }
    finish(context.socket);
  },
});
