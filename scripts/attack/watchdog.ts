import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Ping, PingTarget } from './ping.js';

/** Every this many ms, each target gets one ping. */
export const WATCHDOG_INTERVAL_MS = 250;
/** In the full run (`npm run attack`), a ping slower than this fails its section, ms: other listeners answer at once. */
export const WATCHDOG_MAX_MS = 100;
/**
 * In the short run (CI, `test/attack.test.ts`), a ping slower than this fails its section, ms: there the watchdog
 * judges that other listeners keep answering, not how fast, since latency on a shared machine is for the full run
 * (and `npm run bench`) to measure, never for a timed test.
 */
export const WATCHDOG_SHORT_MAX_MS = 1000;
/** A ping without a complete answer after this long is a failed ping, ms. */
const PING_TIMEOUT_MS = 2000;

/** What the watchdog saw: every ping, and the failures (slow or failed pings) as one line each. */
export interface WatchdogReport {
  pings: number;
  /** Highest latency of any ping that got an answer, ms. */
  maxMs: number;
  /** Median latency, ms. */
  medianMs: number;
  failures: string[];
}

/**
 * Starts a process that GETs each target every WATCHDOG_INTERVAL_MS on a fresh connection and reports each
 * latency; `stop()` ends it (waiting for pings in flight, at most PING_TIMEOUT_MS) and judges them: a ping slower
 * than `maxMs` or failing is a failure. The process is killed when this one exits.
 */
export async function startWatchdog(targets: PingTarget[], maxMs: number): Promise<{ stop(): Promise<WatchdogReport> }> {
  const child = fork(
    fileURLToPath(new URL('./watchdog-process.ts', import.meta.url)),
    [JSON.stringify({ targets, intervalMs: WATCHDOG_INTERVAL_MS, timeoutMs: PING_TIMEOUT_MS })],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const pings: Ping[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the watchdog exited with ${code} before it started`)));
  });
  child.on('message', (message: Ping) => pings.push(message));
  return {
    async stop() {
      child.send('stop');
      await new Promise((resolve) => setTimeout(resolve, PING_TIMEOUT_MS + 100));
      child.kill('SIGKILL');
      process.off('exit', killOnExit);
      const answered = pings
        .filter((p) => !p.error)
        .map((p) => p.ms)
        .sort((a, b) => a - b);
      const failures = pings
        .filter((p) => p.error || p.ms > maxMs)
        .map((p) => `${p.target} ping at ${new Date(p.at).toISOString().slice(11, 23)}: ${p.error ?? `${p.ms} ms`}`);
      return { pings: pings.length, maxMs: answered.at(-1) ?? 0, medianMs: answered[Math.floor(answered.length / 2)] ?? 0, failures };
    },
  };
}
