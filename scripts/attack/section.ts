import { sampleMemory } from '../../bench/proc-memory.js';
import { FarmRefused, startAttackFarm, type AttackFarm } from './farm.js';
import { ping, type PingTarget } from './ping.js';
import { closeAll, sleep, type Held } from './sockets.js';
import { startWatchdog, WATCHDOG_MAX_MS, WATCHDOG_SHORT_MAX_MS } from './watchdog.js';

/** RSS growth allowed over the baseline, bytes: at the peak for memory attacks, after every section for all. */
export const RSS_BOUND_BYTES = 64 * 2 ** 20;
/** Open fds allowed over the baseline once the attack's sockets are closed (the farm's lazily opened files). */
export const FD_TOLERANCE = 4;
/** Longest wait for the farm's fds to come back to the baseline after the attack, ms. */
const SETTLE_MS = 15_000;

/** What an attack gets: the farm under attack, and where it writes its figures and failures. */
export interface AttackContext {
  farm: AttackFarm;
  /** The flags the section asked for were refused: the farm runs without them (the section has already failed). */
  fallback: boolean;
  /** Records one figure line (printed under the section). */
  figure(line: string): void;
  /** Records one failure (the section fails; the line says which bound and by how much). */
  fail(reason: string): void;
  /** Aborted when the attack runs past its deadline: stop making connections and return. */
  signal: AbortSignal;
  /** Slowest answer a ping of another listener may take, ms (WATCHDOG_MAX_MS, or WATCHDOG_SHORT_MAX_MS in CI). */
  maxPingMs: number;
  /** Registers an attacking connection: the section destroys every one still open when the attack ends or is cut. */
  track(held: Held): Held;
}

/** One named attack, with its counts for the full run and for CI. */
export interface Section<C> {
  name: string;
  title: string;
  counts: { full: C; short: C };
  /** How long the attack may run before the section fails and its connections are destroyed, ms. */
  deadlineMs: { full: number; short: number };
  /** `serve` flags the bounds assume. When serve refuses them the section fails, then runs without them for figures. */
  farmArgs?: string[];
  /** Start the farm under this RLIMIT_NOFILE (soft and hard). */
  nofile?: (counts: C) => number;
  /** Listeners the watchdog pings besides http-ok. */
  watch?: ('tls-ok' | 'healthz')[];
  /** The attack is on memory: the peak RSS (sampled every 50 ms) must stay within the RSS bound of the baseline. */
  peakRss?: boolean;
  /**
   * The RSS bound of an attack that holds many connections at once, bytes: what the farm may spend per connection
   * it holds (socket, parser, TLS state), times the count. Growth must follow the connections, never the bytes
   * they send or ask for. Default RSS_BOUND_BYTES.
   */
  rssBound?: (counts: C) => number;
  attack(context: AttackContext, counts: C): Promise<void>;
}

/** A section's verdict and figures. */
export interface SectionResult {
  name: string;
  title: string;
  passed: boolean;
  durationMs: number;
  figures: string[];
  failures: string[];
}

/** A section with its counts type erased, ready to run. */
export interface RunnableSection {
  name: string;
  title: string;
  run(options: { short: boolean; certsDir: string }): Promise<SectionResult>;
}

class DeadlineError extends Error {}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function watchTargets(farm: AttackFarm, extra: ('tls-ok' | 'healthz')[]): PingTarget[] {
  const targets: PingTarget[] = [{ name: 'http-ok', url: `http://127.0.0.1:${farm.listener('http-ok').port}/` }];
  if (extra.includes('tls-ok')) {
    const tls = farm.listener('tls-ok');
    targets.push({
      name: 'tls-ok',
      url: `https://127.0.0.1:${tls.port}/`,
      tls: { ca: farm.caPem, servername: tls.connect.sni ?? farm.manifest.hostname },
    });
  }
  if (extra.includes('healthz')) targets.push({ name: 'control /healthz', url: `${farm.controlUrl}/healthz` });
  return targets;
}

/** Polls the farm's open fds every 100 ms (and keeps the highest count) until stop(). */
function sampleFds(farm: AttackFarm): { stop(): number } {
  let peak = farm.openFds();
  const timer = setInterval(() => {
    if (!farm.exit()) peak = Math.max(peak, farm.openFds());
  }, 100);
  return { stop: () => (clearInterval(timer), peak) };
}

/**
 * Makes `section` runnable: starts its farm (the section's flags and fd limit), warms up the listeners the watchdog
 * pings, takes the baseline (fds, RSS), runs the attack under the watchdog, then requires every ping within
 * `maxPingMs` (WATCHDOG_MAX_MS; WATCHDOG_SHORT_MAX_MS in the short run), the farm alive without an uncaught error, its fds back to the baseline (± FD_TOLERANCE within
 * SETTLE_MS) and its RSS within RSS_BOUND_BYTES (or the section's `rssBound`) of the baseline (also at the peak for memory attacks). Never throws:
 * every problem, including a farm that does not start, is a failure of the section. Stops the farm.
 */
export function defineSection<C>(section: Section<C>): RunnableSection {
  return {
    name: section.name,
    title: section.title,
    async run({ short, certsDir }) {
      const counts = short ? section.counts.short : section.counts.full;
      const result: SectionResult = { name: section.name, title: section.title, passed: false, durationMs: 0, figures: [], failures: [] };
      const started = performance.now();
      const nofile = section.nofile?.(counts);
      let farm: AttackFarm | undefined;
      let fallback = false;
      try {
        try {
          farm = await startAttackFarm({ certsDir, args: section.farmArgs, nofile });
        } catch (error) {
          if (!(error instanceof FarmRefused) || !section.farmArgs?.length) throw error;
          result.failures.push(
            `serve refused ${section.farmArgs.join(' ')}: ${error.message}; the attack ran without them, for its figures`,
          );
          fallback = true;
          farm = await startAttackFarm({ certsDir, nofile });
        }
        const limits = short
          ? { deadlineMs: section.deadlineMs.short, maxPingMs: WATCHDOG_SHORT_MAX_MS }
          : { deadlineMs: section.deadlineMs.full, maxPingMs: WATCHDOG_MAX_MS };
        await attackFarm(farm, section, counts, limits, fallback, result);
      } catch (error) {
        result.failures.push(`the section could not run: ${(error as Error).message}`);
      } finally {
        await farm?.stop();
      }
      result.durationMs = Math.round(performance.now() - started);
      result.passed = result.failures.length === 0;
      return result;
    },
  };
}

async function attackFarm<C>(
  farm: AttackFarm,
  section: Section<C>,
  counts: C,
  { deadlineMs, maxPingMs }: { deadlineMs: number; maxPingMs: number },
  fallback: boolean,
  result: SectionResult,
): Promise<void> {
  let cut = false;
  const record = (line: string) => void result.figures.push(line);
  // The attack's own figures once the deadline has cut it short say so.
  const figure = (line: string) => record(cut ? `${line} (measured after the deadline cut the attack)` : line);
  const fail = (reason: string) => void result.failures.push(reason);
  const targets = watchTargets(farm, section.watch ?? []);
  if (section.nofile) record(`farm RLIMIT_NOFILE ${farm.openFileLimit()}`);
  // Warm-up: the first request of each kind allocates what every later one reuses.
  for (let i = 0; i < 5; i++) for (const target of targets) await ping(target, 5000);
  await sleep(300);
  const fdsBefore = farm.openFds();
  const rssBefore = farm.rssBytes();
  const problemsBefore = farm.problems().length;
  const memory = sampleMemory(farm.pid);
  const fds = sampleFds(farm);
  const watchdog = await startWatchdog(targets, maxPingMs);
  const tracked = new Set<Held>();
  const abort = new AbortController();
  const track = (held: Held) => {
    if (abort.signal.aborted) held.socket.destroy();
    tracked.add(held);
    void held.closed.then(() => tracked.delete(held));
    return held;
  };
  let timer: NodeJS.Timeout | undefined;
  const attack = section.attack({ farm, fallback, figure, fail, signal: abort.signal, maxPingMs, track }, counts);
  try {
    await Promise.race([
      attack,
      new Promise(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new DeadlineError(`the attack did not finish within its ${deadlineMs} ms deadline (cut)`)),
            deadlineMs,
          )),
      ),
    ]);
  } catch (error) {
    fail(`the attack failed: ${(error as Error).message}`);
    cut = error instanceof DeadlineError;
  } finally {
    clearTimeout(timer);
    abort.abort();
    await closeAll([...tracked]);
  }
  // With its connections gone the attack ends soon; its last figures still belong to this section.
  if (cut) await Promise.race([attack.catch(() => undefined), sleep(10_000)]);
  const pings = await watchdog.stop();
  const peakRss = memory.stop().peakRssBytes;
  const peakFds = fds.stop();
  record(
    `watchdog: ${pings.pings} pings (${targets.map((t) => t.name).join(', ')}), median ${pings.medianMs} ms, max ${pings.maxMs} ms, ${pings.failures.length} over ${maxPingMs} ms or failed`,
  );
  if (pings.failures.length)
    fail(
      `watchdog: ${pings.failures.length} of ${pings.pings} pings over ${maxPingMs} ms or failed, first: ${pings.failures.slice(0, 3).join('; ')}`,
    );
  if (farm.exit()) {
    fail(`the farm exited (${JSON.stringify(farm.exit())})`);
    return;
  }
  const problems = farm.problems().slice(problemsBefore);
  if (problems.length) fail(`${problems.length} uncaught errors in the farm, first: ${problems[0]}`);
  const settleStarted = performance.now();
  let fdsAfter = farm.openFds();
  while (fdsAfter > fdsBefore + FD_TOLERANCE && performance.now() - settleStarted < SETTLE_MS) {
    await sleep(200);
    fdsAfter = farm.openFds();
  }
  const settleMs = Math.round(performance.now() - settleStarted);
  const rssAfter = farm.rssBytes();
  record(`farm fds ${fdsBefore} before, ${peakFds} at peak, ${fdsAfter} after (${settleMs} ms after the attack)`);
  record(`farm RSS ${mib(rssBefore)} before, ${mib(peakRss)} at peak, ${mib(rssAfter)} after`);
  if (fdsAfter > fdsBefore + FD_TOLERANCE)
    fail(`fds ${fdsAfter} ${SETTLE_MS} ms after the attack, baseline ${fdsBefore} (+${FD_TOLERANCE} allowed)`);
  const rssBound = Math.max(RSS_BOUND_BYTES, section.rssBound?.(counts) ?? 0);
  if (section.peakRss && peakRss - rssBefore >= rssBound) fail(`peak RSS grew ${mib(peakRss - rssBefore)} (bound ${mib(rssBound)})`);
  if (rssAfter - rssBefore >= rssBound)
    fail(`RSS after the attack ${mib(rssAfter - rssBefore)} over the baseline (bound ${mib(rssBound)})`);
}
