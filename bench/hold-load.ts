// The load generator of the held-connections benchmark, in its own process so that its work never runs on the
// measured server's event loop. Forked by bench/hold.ts with one JSON argument (HoldLoadOptions); it reports over
// IPC: { type: 'held' } once every connection has sent its request (none answered yet), then { type: 'done', result }.
//
// Each connection connects (from one of `sources`, 127.0.0.x), sends `GET <path>?delay_ms=<delayMs>` at once, and
// records the time from that write to the first response byte. Connections are opened at `ratePerS`, so the
// server sees a steady arrival rate (a CDN's requests do not all land in the same millisecond) and all of them are
// held together once the ramp (connections / ratePerS) is shorter than the delay.
import { connect, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openFileLimit } from './proc-memory.js';

/** What to run: the server, how many connections, from which source addresses, the delay each asks for. */
export interface HoldLoadOptions {
  port: number;
  /** Request path before the query, e.g. `/`. */
  path: string;
  connections: number;
  /** `?delay_ms=` of every request, in ms. */
  delayMs: number;
  /** Connections opened per second (the arrival rate). */
  ratePerS: number;
  /** Source addresses (127.0.0.x), used in turn. */
  sources: string[];
  /** Give up on a connection that has no answer after delayMs + this, in ms. */
  graceMs: number;
}

/** What the generator saw. Times in ms. */
export interface HoldLoadResult {
  /** Connections that got an `HTTP/1.1 200` first byte. */
  answered: number;
  /** Connections that failed (connect error, reset, wrong status, no answer in time), with the first few reasons. */
  failed: number;
  failures: string[];
  /** Time to first byte minus the requested delay, per answered connection: p50, p99, max, min. */
  errorMs: { p50: number; p99: number; max: number; min: number };
  /** Time from the first connect to the last request written. */
  rampMs: number;
  /** Connections open at the moment the last request was written (should be all of them). */
  heldAtOnce: number;
  /** The generator's own cost: CPU time (user + system) over the run, its peak RSS, its event-loop delay p99. */
  generator: { cpuMs: number; wallMs: number; rssBytes: number; loopDelayP99Ms: number };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

/**
 * Runs the load. @throws Error when RLIMIT_NOFILE cannot hold the connections (raise it with `ulimit -n`).
 */
export async function runHoldLoad(options: HoldLoadOptions): Promise<{ held: Promise<void>; result: Promise<HoldLoadResult> }> {
  const limit = openFileLimit();
  if (limit < options.connections + 64)
    throw new Error(`RLIMIT_NOFILE is ${limit}; ${options.connections} connections need ${options.connections + 64} (ulimit -n)`);
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const errors: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let open = 0;
  let finished = 0;
  /** Connections that have written their request, or closed without ever connecting. */
  let writtenOrGone = 0;
  let heldAtOnce = 0;
  let peakRss = 0;
  const request = Buffer.from(`GET ${options.path}?delay_ms=${options.delayMs} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

  let resolveHeld!: () => void;
  const held = new Promise<void>((resolve) => (resolveHeld = resolve));
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const settle = () => {
    finished += 1;
    if (finished === options.connections) resolveDone();
  };
  const fail = (why: string) => {
    failed += 1;
    if (failures.length < 5) failures.push(why);
  };

  const open1 = (index: number) => {
    let sentAt = 0;
    let connected = false;
    let outcome: 'pending' | 'answered' | 'failed' = 'pending';
    const socket: Socket = connect({
      host: '127.0.0.1',
      port: options.port,
      localAddress: options.sources[index % options.sources.length],
    });
    const giveUp = setTimeout(() => {
      if (outcome === 'pending') (outcome = 'failed'), fail(`no answer after ${options.delayMs + options.graceMs} ms`);
      socket.destroy();
    }, options.delayMs + options.graceMs);
    socket.once('connect', () => {
      connected = true;
      open += 1;
      sentAt = performance.now();
      socket.write(request);
      writtenOrGone += 1;
    });
    socket.once('data', (chunk: Buffer) => {
      const at = performance.now();
      if (chunk.subarray(0, 12).toString('latin1') === 'HTTP/1.1 200') {
        outcome = 'answered';
        errors.push(at - sentAt - options.delayMs);
      } else {
        outcome = 'failed';
        fail(`answered ${JSON.stringify(chunk.subarray(0, 40).toString('latin1'))}`);
      }
      socket.resume();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (outcome === 'pending') (outcome = 'failed'), fail(error.code ?? error.message);
    });
    socket.once('close', () => {
      clearTimeout(giveUp);
      if (outcome === 'pending') (outcome = 'failed'), fail('closed before the first byte');
      if (connected) open -= 1;
      else writtenOrGone += 1;
      settle();
    });
  };

  // Open at ratePerS: every 10 ms, as many as are due by now.
  const started = performance.now();
  let opened = 0;
  const ramp = new Promise<number>((resolve) => {
    const tick = () => {
      const due = Math.min(options.connections, Math.floor(((performance.now() - started) / 1000) * options.ratePerS) + 1);
      while (opened < due) open1(opened++);
      if (opened < options.connections) return void setTimeout(tick, 10);
      resolve(performance.now() - started);
    };
    tick();
  });
  const rampMs = await ramp;
  // The last connections are still connecting: "held" is when every one that connected has written its request.
  const allWritten = new Promise<void>((resolve) => {
    const check = () => (writtenOrGone >= options.connections ? resolve() : void setTimeout(check, 5));
    check();
  });
  void allWritten.then(() => {
    heldAtOnce = open;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    resolveHeld();
  });
  const result = done.then((): HoldLoadResult => {
    loopDelay.disable();
    const cpu = process.cpuUsage(cpuStart);
    const sorted = errors.sort((a, b) => a - b);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      answered: errors.length,
      failed,
      failures,
      errorMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, min: sorted[0] ?? NaN },
      rampMs,
      heldAtOnce,
      generator: {
        cpuMs: (cpu.user + cpu.system) / 1000,
        wallMs: performance.now() - wallStart,
        rssBytes: peakRss,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      },
    };
  });
  return { held, result };
}

if (process.send) {
  const options = JSON.parse(process.argv[2]!) as HoldLoadOptions;
  const send = (message: unknown) => process.send!(message);
  try {
    const { held, result } = await runHoldLoad(options);
    await held;
    send({ type: 'held' });
    send({ type: 'done', result: await result });
  } catch (error) {
    send({ type: 'error', error: (error as Error).message });
  }
  process.disconnect();
}
