import { openFileLimit } from '../../bench/proc-memory.js';
import { runPool } from '../fuzz/pool.js';
import { defineSection } from './section.js';
import { ping, type PingTarget } from './ping.js';
import { sleep, tally, type Held, hold } from './sockets.js';

/** Pings of each listener while the connections are held (on top of the watchdog's). */
const CHECKS = 10;

/**
 * Attack 5: a farm started under a low RLIMIT_NOFILE, and more connections to connection-hold than it has file
 * descriptors. The farm must keep a budget of its own below the limit: the other listeners (http-ok, tls-ok) and the
 * control API's /healthz answer within the watchdog's 100 ms throughout, and once more, CHECKS times each, at the
 * point where every attacking connection has been made.
 */
export const fdBudget = defineSection({
  name: 'fd-budget',
  title: "connection-hold filled past the farm's RLIMIT_NOFILE",
  counts: { full: { nofile: 2048, extra: 256, holdMs: 5000 }, short: { nofile: 1024, extra: 128, holdMs: 2000 } },
  deadlineMs: { full: 120_000, short: 40_000 },
  nofile: (counts) => counts.nofile,
  watch: ['tls-ok', 'healthz'],
  async attack({ farm, figure, fail, signal, maxPingMs, track }, { nofile, extra, holdMs }) {
    const count = nofile + extra;
    if (openFileLimit() < count + 200)
      throw new Error(`this process may open only ${openFileLimit()} files, ${count + 200} needed (raise ulimit -n)`);
    const port = farm.listener('connection-hold').port;
    const held: Held[] = [];
    const started = performance.now();
    await runPool(count, 64, async () => {
      if (!signal.aborted)
        held.push(track(await hold({ port }, { send: 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', timeoutMs: 3000, keepReading: true })));
    });
    figure(
      `${count} connections to connection-hold made in ${Math.round(performance.now() - started)} ms; farm fds now ${farm.openFds()} of its limit ${farm.openFileLimit()}`,
    );
    const tls = farm.listener('tls-ok');
    const targets: PingTarget[] = [
      { name: 'http-ok', url: `http://127.0.0.1:${farm.listener('http-ok').port}/` },
      {
        name: 'tls-ok',
        url: `https://127.0.0.1:${tls.port}/`,
        tls: { ca: farm.caPem, servername: tls.connect.sni ?? farm.manifest.hostname },
      },
      { name: 'control /healthz', url: `${farm.controlUrl}/healthz` },
    ];
    const slow: string[] = [];
    for (let i = 0; i < CHECKS && !signal.aborted; i++) {
      for (const target of targets) {
        const p = await ping(target, 2000);
        if (p.error || p.ms > maxPingMs) slow.push(`${p.target}: ${p.error ?? `${p.ms} ms`}`);
      }
      await sleep(50);
    }
    await sleep(holdMs);
    const state = held.map((h) =>
      Number.isNaN(h.readyAt)
        ? `not connected${h.error ? ` (${h.error})` : ''}`
        : Number.isNaN(h.closedAt)
          ? 'held'
          : `closed by the farm${h.error ? ` (${h.error})` : ''}`,
    );
    figure(`connections after ${holdMs} ms: ${tally(state)}`);
    figure(
      `${CHECKS} pings each of ${targets.map((t) => t.name).join(', ')} with every connection made: ${slow.length} over ${maxPingMs} ms or failed`,
    );
    if (slow.length)
      fail(
        `with every connection made, ${slow.length} of ${CHECKS * targets.length} pings over ${maxPingMs} ms or failed, first: ${slow.slice(0, 3).join('; ')}`,
      );
  },
});
