// 10,000 concurrent connections held by slow-first-byte (issue 9): the farm (`badorigin serve --only
// slow-first-byte`, its own process) and a plain node:http server doing the same delayed answer (bench/plain-http.ts,
// its own process), each loaded in turn by bench/hold-load.ts (a third process). Figures: the server's RSS while
// every connection is held (VmRSS from /proc, sampled every 50 ms; peak and VmHWM), and the error of the delivered
// delay (time to first byte minus the requested delay) p50/p99.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.js';
import type { HoldLoadOptions, HoldLoadResult } from './hold-load.js';
import { openFileLimit, processMemory, sampleMemory } from './proc-memory.js';
import { startFarmProcess, startPlainHttp } from './processes.js';

const CONNECTIONS = 10_000;
const DELAY_MS = 8_000;
/** Arrival rate: 10,000 connections in 4 s, so all are held together for the last 4 s of the 8 s delay. */
const RATE_PER_S = 2_500;
/** Unmeasured connections before the measured ones (delay 100 ms), at the same rate. */
const WARMUP = 1_000;
const MIB = 1024 * 1024;
const load = fileURLToPath(new URL('./hold-load.ts', import.meta.url));

/** What one server did under the load: its memory (bytes) and the generator's result. */
interface HoldRun {
  idleRssBytes: number;
  heldRssBytes: number;
  peakRssBytes: number;
  hwmBytes: number;
  load: HoldLoadResult;
}

/** Most connections from one source address to one server port: see sourceAddresses. */
const PER_SOURCE = 2_000;

/**
 * Source addresses for `connections` connections to one server port: 127.0.0.2, .3, …, at most PER_SOURCE each.
 * connect() picks a free ephemeral port by scanning the range for one not in use towards that destination; with
 * thousands in use from one address the scan costs the generator kernel CPU and stalls its ramp (seen here with one
 * address: the ramp stalled from about 6,800 connections and came back in bursts of 1,400, the generator used 3.7 s
 * of CPU instead of 1.3 s, and both servers' p99 tripled).
 */
export function sourceAddresses(connections: number): string[] {
  return Array.from({ length: Math.max(1, Math.ceil(connections / PER_SOURCE)) }, (_, i) => `127.0.0.${i + 2}`);
}

/** Forks bench/hold-load.ts with `options` and resolves with its result; `onHeld` runs when it reports all held. */
function runLoad(options: HoldLoadOptions, onHeld: () => void): Promise<HoldLoadResult> {
  const child = fork(load, [JSON.stringify(options)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const timeoutMs = (options.connections / options.ratePerS) * 1000 + options.delayMs + options.graceMs + 30_000;
  return new Promise<HoldLoadResult>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hold load gave no result after ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (message: { type: string; result?: HoldLoadResult; error?: string }) => {
      if (message.type === 'held') onHeld();
      if (message.type === 'done') clearTimeout(timer), resolve(message.result!);
      if (message.type === 'error') clearTimeout(timer), reject(new Error(`hold load: ${message.error}`));
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`hold load exited (${code}) without a result`))));
  }).finally(() => child.kill('SIGKILL'));
}

/**
 * Runs bench/hold-load.ts against `port` of process `pid`: first WARMUP short-delay connections (not measured: the
 * JIT compiles the server's connection path), then the measured CONNECTIONS, sampling the server's memory.
 */
async function holdRun(pid: number, port: number, path: string): Promise<HoldRun> {
  const options: HoldLoadOptions = { port, path, connections: CONNECTIONS, delayMs: DELAY_MS, ratePerS: RATE_PER_S, sources: sourceAddresses(CONNECTIONS), graceMs: 20_000 };
  await runLoad({ ...options, connections: WARMUP, delayMs: 100 }, () => undefined);
  const idleRssBytes = processMemory(pid).rssBytes;
  const sampler = sampleMemory(pid);
  let heldRssBytes = 0;
  try {
    const result = await runLoad(options, () => (heldRssBytes = processMemory(pid).rssBytes));
    const { peakRssBytes, hwmBytes } = sampler.stop();
    return { idleRssBytes, heldRssBytes, peakRssBytes, hwmBytes, load: result };
  } finally {
    sampler.stop();
  }
}

function describe(run: HoldRun): string {
  const l = run.load;
  return `after warm-up ${(run.idleRssBytes / MIB).toFixed(0)} MiB, ${l.heldAtOnce} held at once: ${(run.heldRssBytes / MIB).toFixed(0)} MiB, peak ${(run.peakRssBytes / MIB).toFixed(0)} MiB, VmHWM ${(run.hwmBytes / MIB).toFixed(0)} MiB; ` +
    `${l.answered} answered, ${l.failed} failed${l.failures.length ? ` (${l.failures.join('; ')})` : ''}; delay error p50 ${l.errorMs.p50.toFixed(1)} / p99 ${l.errorMs.p99.toFixed(1)} / max ${l.errorMs.max.toFixed(1)} ms`;
}

/** The held-connections figures: farm vs plain node:http, in the same run. */
export async function holdFigures(): Promise<Figure[]> {
  const limit = openFileLimit();
  if (limit < CONNECTIONS + 64) throw new Error(`RLIMIT_NOFILE is ${limit}: run with ulimit -n ${CONNECTIONS * 2} (the servers inherit it)`);
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-hold-'));
  const farm = await startFarmProcess(['slow-first-byte'], join(dir, 'certs'));
  let farmRun: HoldRun;
  let plainRun: HoldRun;
  try {
    const listener = farm.manifest.listeners.find((l) => l.id === 'slow-first-byte');
    if (!listener) throw new Error('the farm has no slow-first-byte listener');
    farmRun = await holdRun(farm.child.pid!, listener.port, '/');
  } finally {
    farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const plain = await startPlainHttp();
  try {
    plainRun = await holdRun(plain.child.pid!, plain.port, '/');
  } finally {
    plain.stop();
  }
  const gen = farmRun.load.generator;
  const setup = `${CONNECTIONS.toLocaleString('en-US')} connections opened at ${RATE_PER_S}/s from ${sourceAddresses(CONNECTIONS).join(', ')}, each GET /?delay_ms=${DELAY_MS}; ` +
    `load generator in its own process (${(gen.cpuMs / 1000).toFixed(1)} s CPU over ${(gen.wallMs / 1000).toFixed(1)} s, ${(gen.rssBytes / MIB).toFixed(0)} MiB, event-loop delay p99 ${gen.loopDelayP99Ms.toFixed(1)} ms)`;
  const complete = (run: HoldRun) => run.load.answered === CONNECTIONS && run.load.heldAtOnce === CONNECTIONS;
  const rss = farmRun.peakRssBytes / MIB;
  const plainRss = plainRun.peakRssBytes / MIB;
  const p99 = farmRun.load.errorMs.p99;
  return [
    {
      name: 'slow-first-byte.held.rss', what: `slow-first-byte peak RSS with ${CONNECTIONS.toLocaleString('en-US')} connections held`, unit: 'MiB', value: rss,
      peer: { name: 'node:http', value: plainRss, ratio: rss / plainRss }, target: '< 256 MiB', met: complete(farmRun) && rss < 256,
      detail: `farm: ${describe(farmRun)}. node:http: ${describe(plainRun)}. ${setup}`,
    },
    {
      name: 'slow-first-byte.delay-error.p99', what: `slow-first-byte delivered delay minus requested, p99 over ${CONNECTIONS.toLocaleString('en-US')} held connections`, unit: 'ms', value: p99,
      peer: { name: 'node:http', value: plainRun.load.errorMs.p99, ratio: p99 / plainRun.load.errorMs.p99 }, target: '< 20 ms', met: complete(farmRun) && p99 < 20,
      detail: `time to first byte minus ${DELAY_MS} ms, measured by the load generator from its request write`,
    },
    {
      name: 'slow-first-byte.delay-error.p50', what: `slow-first-byte delivered delay minus requested, p50 over ${CONNECTIONS.toLocaleString('en-US')} held connections`, unit: 'ms', value: farmRun.load.errorMs.p50,
      peer: { name: 'node:http', value: plainRun.load.errorMs.p50, ratio: farmRun.load.errorMs.p50 / plainRun.load.errorMs.p50 }, target: 'informative', met: complete(farmRun),
    },
  ];
}
