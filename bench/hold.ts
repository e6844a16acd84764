// 10,000 concurrent connections held by slow-first-byte: the farm (`badorigin serve --only
// slow-first-byte`, its own process) and a plain node:http server doing the same delayed answer (bench/plain-http.ts,
// its own process), each loaded in turn by bench/hold-load.ts (a third process). Figures: the server's RSS while
// every connection is held (VmRSS from /proc, sampled every 50 ms; peak and VmHWM), and the error of the delivered
// delay (time to first byte minus the requested delay) p50/p99.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Figure } from './figure.js';
import type { HoldLoadOptions, HoldLoadResult } from './hold-load.js';
import { processCpuMs } from './proc-cpu.js';
import { openFileLimit, processMemory, sampleMemory } from './proc-memory.js';
import { startFarmProcess, startPlainHttp } from './processes.js';

const CONNECTIONS = 10_000;
const DELAY_MS = 8_000;
/** Arrival rate: 10,000 connections in 4 s, so all are held together for the last 4 s of the 8 s delay. */
const RATE_PER_S = 2_500;
/** Unmeasured connections before the measured ones (delay WARMUP_DELAY_MS), at RATE_PER_S. */
const WARMUP = 1_000;
export const WARMUP_DELAY_MS = 100;
/** Rounds per server; figures are medians. */
const ROUNDS = 3;
const MIB = 1024 * 1024;
const load = fileURLToPath(new URL('./hold-load.ts', import.meta.url));

/** What one server did under the load: its memory (bytes) and the generator's result. */
export interface HoldRun {
  idleRssBytes: number;
  heldRssBytes: number;
  peakRssBytes: number;
  hwmBytes: number;
  /** CPU time (user + system) the server used during the measured load, in ms. */
  cpuMs: number;
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

/** How many connections a hold run opens, at what rate (per s), each asking for what delay (ms). */
export interface HoldShape {
  connections: number;
  delayMs: number;
  ratePerS: number;
}

/** The hold group's shape: 10,000 connections held together for the last 4 s of an 8 s delay. */
export const HELD: HoldShape = { connections: CONNECTIONS, delayMs: DELAY_MS, ratePerS: RATE_PER_S };

/**
 * Runs bench/hold-load.ts against `port` of process `pid`: first WARMUP short-delay connections (not measured: the
 * JIT compiles the server's connection path), then the measured connections of `shape`, sampling the server's memory.
 */
export async function holdRun(pid: number, port: number, path: string, shape: HoldShape = HELD): Promise<HoldRun> {
  const options: HoldLoadOptions = { port, path, ...shape, sources: sourceAddresses(shape.connections), graceMs: 20_000 };
  await runLoad({ ...options, connections: WARMUP, delayMs: WARMUP_DELAY_MS, ratePerS: RATE_PER_S }, () => undefined);
  const idleRssBytes = processMemory(pid).rssBytes;
  const cpuBefore = processCpuMs(pid);
  const sampler = sampleMemory(pid);
  let heldRssBytes = 0;
  try {
    const result = await runLoad(options, () => (heldRssBytes = processMemory(pid).rssBytes));
    const { peakRssBytes, hwmBytes } = sampler.stop();
    return { idleRssBytes, heldRssBytes, peakRssBytes, hwmBytes, cpuMs: processCpuMs(pid) - cpuBefore, load: result };
  } finally {
    sampler.stop();
  }
}

/** One run in words: memory, answers and failures, delay error. */
export function describe(run: HoldRun): string {
  const l = run.load;
  return (
    `after warm-up ${(run.idleRssBytes / MIB).toFixed(0)} MiB, ${l.heldAtOnce} held at once: ${(run.heldRssBytes / MIB).toFixed(0)} MiB, peak ${(run.peakRssBytes / MIB).toFixed(0)} MiB, VmHWM ${(run.hwmBytes / MIB).toFixed(0)} MiB; ` +
    `${l.answered} answered, ${l.failed} failed${l.failures.length ? ` (${l.failures.join('; ')})` : ''}; delay error p50 ${l.errorMs.p50.toFixed(1)} / p99 ${l.errorMs.p99.toFixed(1)} / max ${l.errorMs.max.toFixed(1)} ms`
  );
}

/** One round against a fresh farm process (slow-first-byte), `certsDir` kept between rounds. */
async function farmRound(certsDir: string): Promise<HoldRun> {
  const farm = await startFarmProcess(['slow-first-byte'], certsDir);
  try {
    const listener = farm.manifest.listeners.find((l) => l.id === 'slow-first-byte');
    if (!listener) throw new Error('the farm has no slow-first-byte listener');
    return await holdRun(farm.child.pid!, listener.port, '/');
  } finally {
    farm.stop();
  }
}

/** One round against a fresh plain node:http process. */
async function plainRound(): Promise<HoldRun> {
  const plain = await startPlainHttp();
  try {
    return await holdRun(plain.child.pid!, plain.port, '/');
  } finally {
    plain.stop();
  }
}

/**
 * The held-connections figures: farm vs plain node:http, ROUNDS rounds alternating between them (fresh processes
 * each round, so a change in the machine's other load hits both alike); each figure is the median of its rounds.
 */
export async function holdFigures(): Promise<Figure[]> {
  const limit = openFileLimit();
  if (limit < CONNECTIONS + 64)
    throw new Error(`RLIMIT_NOFILE is ${limit}: run with ulimit -n ${CONNECTIONS * 2} (the servers inherit it)`);
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-hold-'));
  const farmRuns: HoldRun[] = [];
  const plainRuns: HoldRun[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      farmRuns.push(await farmRound(join(dir, 'certs')));
      plainRuns.push(await plainRound());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const of = (runs: HoldRun[], pick: (run: HoldRun) => number) => median(runs.map(pick));
  const peak = (run: HoldRun) => run.peakRssBytes / MIB;
  const p99 = (run: HoldRun) => run.load.errorMs.p99;
  const p50 = (run: HoldRun) => run.load.errorMs.p50;
  const gen = farmRuns[0]!.load.generator;
  const setup =
    `median of ${ROUNDS} rounds, farm and node:http alternating, fresh processes; ${CONNECTIONS.toLocaleString('en-US')} connections opened at ${RATE_PER_S}/s ` +
    `(after ${WARMUP} unmeasured warm-up connections) from ${sourceAddresses(CONNECTIONS).join(', ')}, each GET /?delay_ms=${DELAY_MS}; RSS = VmRSS sampled every 50 ms; ` +
    `load generator in its own process (first round: ${(gen.cpuMs / 1000).toFixed(1)} s CPU over ${(gen.wallMs / 1000).toFixed(1)} s, ${(gen.rssBytes / MIB).toFixed(0)} MiB, event-loop delay p99 ${gen.loopDelayP99Ms.toFixed(1)} ms)`;
  const rounds = (name: string, runs: HoldRun[]) => runs.map((run, i) => `${name} round ${i + 1}: ${describe(run)}`).join('. ');
  const complete = farmRuns.every((run) => run.load.answered === CONNECTIONS && run.load.heldAtOnce === CONNECTIONS);
  const figure = (
    name: string,
    what: string,
    unit: string,
    pick: (run: HoldRun) => number,
    target: string,
    met: boolean,
    detail?: string,
  ): Figure => {
    const value = of(farmRuns, pick);
    const peer = of(plainRuns, pick);
    return {
      name,
      what,
      unit,
      value,
      peer: { name: 'node:http', value: peer, ratio: value / peer },
      target,
      met: complete && met,
      ...(detail ? { detail } : {}),
    };
  };
  const held = CONNECTIONS.toLocaleString('en-US');
  return [
    figure(
      'slow-first-byte.held.rss',
      `slow-first-byte peak RSS with ${held} connections held`,
      'MiB',
      peak,
      '< 256 MiB',
      of(farmRuns, peak) < 256,
      `${setup}. ${rounds('farm', farmRuns)}. ${rounds('node:http', plainRuns)}`,
    ),
    figure(
      'slow-first-byte.delay-error.p99',
      `slow-first-byte delivered delay minus requested, p99 over ${held} held connections`,
      'ms',
      p99,
      '< 20 ms',
      of(farmRuns, p99) < 20,
      `time to first byte minus ${DELAY_MS} ms, measured by the load generator from its request write; rounds: farm ${farmRuns.map((r) => p99(r).toFixed(1)).join(', ')}, node:http ${plainRuns.map((r) => p99(r).toFixed(1)).join(', ')} ms`,
    ),
    figure(
      'slow-first-byte.delay-error.p50',
      `slow-first-byte delivered delay minus requested, p50 over ${held} held connections`,
      'ms',
      p50,
      'informative',
      true,
    ),
    figure(
      'slow-first-byte.cpu-per-connection',
      'slow-first-byte server CPU time per held connection (accept, request, delayed answer, close)',
      'µs',
      (run) => (run.cpuMs * 1000) / CONNECTIONS,
      'informative',
      true,
      'user + system time of the server process over the measured load (/proc/<pid>/stat, 10 ms resolution), divided by the connections: holds up when other work shares the cores, where the delay error does not',
    ),
  ];
}
