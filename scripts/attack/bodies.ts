import { defineSection } from './section.js';
import { closeAll, firstBytes, hold, sleep, statusOf, tally, type Held } from './sockets.js';

/** 1 TiB: the largest `sent_bytes` / `content_length` override the query string grammar admits today. */
const HUGE = 2 ** 40;
/** 64 MiB: huge for a test body, small enough that 12 of them at once cannot exhaust the machine running the attack. */
const LARGE = 2 ** 26;
const LISTENERS = ['stall-mid-body', 'truncated-body', 'stall-mid-body-tls', 'truncated-body-tls'];
const QUERIES = [`sent_bytes=${HUGE}`, `content_length=${HUGE}&sent_bytes=${HUGE}`, `content_length=${HUGE}&sent_bytes=${LARGE}`];

/**
 * Attack 1: requests to the listeners that write `sent_bytes` body bytes, with a huge override, several at once, held
 * open without reading. The farm must refuse the override (400) or cap it (200 with a bounded body): any other
 * answer fails, and so does peak RSS growing 64 MiB or more.
 */
export const bodies = defineSection({
  name: 'bodies',
  title: 'huge ?sent_bytes= on stall-mid-body / truncated-body (+ -tls), held open',
  counts: { full: { concurrent: 3, holdMs: 10_000 }, short: { concurrent: 3, holdMs: 3000 } },
  deadlineMs: { full: 60_000, short: 30_000 },
  peakRss: true,
  async attack({ farm, figure, fail, track }, { concurrent, holdMs }) {
    const held: { label: string; held: Held }[] = [];
    await Promise.all(
      LISTENERS.flatMap((id) => {
        const l = farm.listener(id);
        const tls = l.transport === 'https' ? { ca: farm.caPem, servername: l.connect.sni ?? farm.manifest.hostname } : undefined;
        return QUERIES.flatMap((query) =>
          Array.from({ length: concurrent }, async () => {
            const c = track(
              await hold({ port: l.port, tls }, { send: `GET /?${query} HTTP/1.1\r\nHost: ${farm.manifest.hostname}\r\n\r\n` }),
            );
            held.push({ label: `${id} ?${query}`, held: c });
          }),
        );
      }),
    );
    await Promise.all(held.map((h) => firstBytes(h.held, 5000)));
    await sleep(holdMs);
    const statuses = held.map((h) => statusOf(h.held));
    figure(`${held.length} requests (${concurrent} at once per listener and query, held ${holdMs} ms unread): ${tally(statuses)}`);
    const bad = held.filter((h) => !['400', '200'].includes(statusOf(h.held)));
    if (bad.length)
      fail(
        `${bad.length} of ${held.length} requests got neither a 400 nor a (capped) 200, e.g. ${bad
          .slice(0, 2)
          .map((h) => `${h.label}: ${statusOf(h.held)}`)
          .join('; ')}`,
      );
    await closeAll(held.map((h) => h.held));
  },
});
