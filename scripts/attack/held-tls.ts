import { openFileLimit } from '../../bench/proc-memory.js';
import { runPool } from '../fuzz/pool.js';
import { loadSeedHellos } from '../fuzz/hello-seeds.js';
import { awaitClosing, closingLine } from './closing.js';
import { defineSection } from './section.js';
import { hold, type Held } from './sockets.js';

/** The request head and TLS handshake time limits the farm is started with, ms. */
const TIMEOUT_MS = 2000;
/** What the farm may hold per TLS connection, bytes: the bound grows with connections, never with time held. */
const PER_CONNECTION_BYTES = 32 * 1024;

/** How much later than its limit a connection may close (timer granularity, a loaded machine), ms. */
const MARGIN_MS = 3000;

/**
 * Attack 4: connections to tls-ok that never finish: some complete the TLS handshake and send part of a request head,
 * others send a real client's ClientHello and then nothing. With `--head-timeout-ms` and `--handshake-timeout-ms`
 * at TIMEOUT_MS, the farm must close each within TIMEOUT_MS + MARGIN_MS of the connection being ready, and its fds
 * come back to the baseline.
 */
export const heldTls = defineSection({
  name: 'held-tls',
  title: 'tls-ok connections with a partial request head, or only a ClientHello',
  counts: { full: { partial: 2000, hellos: 2000 }, short: { partial: 200, hellos: 200 } },
  deadlineMs: { full: 180_000, short: 40_000 },
  // A TLS connection costs the farm a socket and OpenSSL's state (19–27 KiB measured); glibc keeps the pages after.
  rssBound: ({ partial, hellos }) => (partial + hellos) * PER_CONNECTION_BYTES,
  farmArgs: ['--head-timeout-ms', String(TIMEOUT_MS), '--handshake-timeout-ms', String(TIMEOUT_MS)],
  async attack({ farm, figure, fail, signal, track }, { partial, hellos }) {
    if (openFileLimit() < partial + hellos + 200)
      throw new Error(`this process may open only ${openFileLimit()} files, ${partial + hellos + 200} needed (raise ulimit -n)`);
    const l = farm.listener('tls-ok');
    const tls = { ca: farm.caPem, servername: l.connect.sni ?? farm.manifest.hostname };
    const hello = loadSeedHellos().find((s) => s.client.startsWith('node'))!.record;
    const heads: Held[] = [];
    const silent: Held[] = [];
    await Promise.all([
      runPool(partial, 8, async () => {
        if (!signal.aborted)
          heads.push(
            track(
              await hold(
                { port: l.port, tls },
                { send: `GET / HTTP/1.1\r\nHost: ${tls.servername}\r\nUser-Agent: attack\r\n`, keepReading: true },
              ),
            ),
          );
      }),
      runPool(hellos, 8, async () => {
        if (!signal.aborted) silent.push(track(await hold({ port: l.port }, { send: hello, keepReading: true })));
      }),
    ]);
    const limit = TIMEOUT_MS + MARGIN_MS;
    const [a, b] = await Promise.all([awaitClosing(heads, limit), awaitClosing(silent, limit)]);
    figure(closingLine(`${heads.length} handshakes + partial head`, a, limit));
    figure(closingLine(`${silent.length} ClientHellos, then silence`, b, limit));
    const notReady = heads.filter((h) => Number.isNaN(h.readyAt)).length + silent.filter((h) => Number.isNaN(h.readyAt)).length;
    if (notReady) fail(`${notReady} connections could not be made`);
    if (a.late + a.open)
      fail(`${a.late + a.open} of ${a.within + a.late + a.open} partial-head connections not closed by the farm within ${limit} ms`);
    if (b.late + b.open)
      fail(`${b.late + b.open} of ${b.within + b.late + b.open} ClientHello-only connections not closed by the farm within ${limit} ms`);
  },
});
