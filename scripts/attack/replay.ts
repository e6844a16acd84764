import { runPool } from '../fuzz/pool.js';
import { cpuPerRequest } from './cpu.js';
import { defineSection } from './section.js';
import { firstBytes, getMany, hold, sleep, statusOf, tally } from './sockets.js';

/** CPU per http-ok request after the attack may be at most this many times the one before it. */
const CPU_FACTOR = 2;

/**
 * Attack 2: once the event ring holds a few hundred events, many `GET /events?replay=1` on the control API, each closed
 * after the first bytes. What the farm keeps for a subscriber must go with it: afterwards an http-ok request (a few
 * events each) may cost at most CPU_FACTOR times the farm CPU it cost before, and RSS is back within the bound.
 */
export const replay = defineSection({
  name: 'replay',
  title: 'GET /events?replay=1, each closed after the first bytes',
  counts: { full: { events: 400, replays: 1000, cpuRequests: 1000 }, short: { events: 400, replays: 200, cpuRequests: 300 } },
  deadlineMs: { full: 180_000, short: 40_000 },
  async attack({ farm, figure, fail, signal, track }, { events, replays, cpuRequests }) {
    const controlPort = Number(new URL(farm.controlUrl).port);
    // Each answered request is a connection, a request and a close event: a full replay ring and then some.
    const made = await getMany({ name: 'http-ok', url: `http://127.0.0.1:${farm.listener('http-ok').port}/` }, events, 16, signal);
    if (made.ok < events) fail(`${events - made.ok} of ${events} http-ok requests failed before the attack: ${made.failed}`);
    const before = await cpuPerRequest(farm, cpuRequests, signal);
    const statuses: string[] = [];
    const started = performance.now();
    await runPool(replays, 50, async () => {
      if (signal.aborted) return;
      const c = track(await hold({ port: controlPort }, { send: 'GET /events?replay=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' }));
      await firstBytes(c, 5000);
      statuses.push(statusOf(c));
      c.socket.destroy();
      await c.closed;
    });
    figure(`${replays} replays after ${events} http-ok requests, in ${Math.round(performance.now() - started)} ms: ${tally(statuses)}`);
    await sleep(1000);
    const after = await cpuPerRequest(farm, cpuRequests, signal);
    figure(
      `farm CPU per http-ok request: ${before.ms.toFixed(2)} ms before (${before.requests} requests), ${after.ms.toFixed(2)} ms after (${after.requests} requests): ${(after.ms / before.ms).toFixed(2)}x`,
    );
    if (after.ms > CPU_FACTOR * before.ms)
      fail(
        `CPU per http-ok request ${after.ms.toFixed(2)} ms after the replays, over ${CPU_FACTOR}x the ${before.ms.toFixed(2)} ms before`,
      );
  },
});
