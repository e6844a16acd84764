import { runPool } from '../fuzz/pool.js';
import { defineSection } from './section.js';
import { closeAll, firstBytes, getMany, hold, statusOf, tally, type Held } from './sockets.js';

/** What the farm may hold per subscriber connection, bytes: the bound grows with connections, never with events. */
const PER_CONNECTION_BYTES = 48 * 1024;

/**
 * Attack 3: many `GET /events` subscribers that never read, while http-ok requests make events for all of them.
 * The farm must cap its subscribers (the ones beyond the cap get a 503), keep its peak RSS within the bound and keep
 * answering http-ok within the watchdog's 100 ms.
 */
export const subscribers = defineSection({
  name: 'subscribers',
  title: 'GET /events subscribers that never read',
  // The cap is the farm's to choose, below 2,000: the short run opens as many subscribers so that some are beyond it.
  counts: { full: { subscribers: 2000, requests: 3000 }, short: { subscribers: 2000, requests: 500 } },
  deadlineMs: { full: 120_000, short: 30_000 },
  peakRss: true,
  // A connection the farm answers (a 503, or a stream) costs it a socket and node:http's parser: 35–37 KiB measured.
  rssBound: ({ subscribers }) => subscribers * PER_CONNECTION_BYTES,
  async attack({ farm, figure, fail, signal, track }, { subscribers, requests }) {
    const controlPort = Number(new URL(farm.controlUrl).port);
    const held: Held[] = [];
    await runPool(subscribers, 64, async () => {
      if (signal.aborted) return;
      const c = track(await hold({ port: controlPort }, { send: 'GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' }));
      held.push(c);
      await firstBytes(c, 5000);
    });
    const statuses = held.map(statusOf);
    figure(`${subscribers} subscribers: ${tally(statuses)}`);
    const started = performance.now();
    const { ok, failed } = await getMany(
      { name: 'http-ok', url: `http://127.0.0.1:${farm.listener('http-ok').port}/` },
      requests,
      16,
      signal,
    );
    figure(
      `${requests} http-ok requests (events for every subscriber) in ${Math.round(performance.now() - started)} ms: ${ok} got a 200 (failed: ${failed})`,
    );
    const accepted = statuses.filter((s) => s === '200').length;
    const refused = statuses.filter((s) => s === '503').length;
    if (refused === 0) fail(`no subscriber got a 503: the farm took ${accepted} of ${subscribers} subscribers`);
    if (accepted + refused < subscribers) fail(`${subscribers - accepted - refused} subscribers got neither a 200 nor a 503`);
    if (ok < requests) fail(`${requests - ok} of ${requests} http-ok requests failed while the subscribers were connected`);
    await closeAll(held);
  },
});
