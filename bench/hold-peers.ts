// Held connections with a delayed response, against the mock servers a user might pick instead of the farm: mockttp
// (`.delay(ms).thenReply()`) and WireMock (`fixedDelayMilliseconds`), each in its own process, alternating with the
// farm's slow-first-byte in fresh processes each round. Figures: RSS with 10,000 connections held (the hold group's
// load, bench/hold.ts) and the delay error p99 at a moderate count, where a server's own latency shows rather than
// the machine's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, type Figure } from './figure.js';
import { describe, HELD, holdRun, WARMUP_DELAY_MS, type HoldRun, type HoldShape } from './hold.js';
import { openFileLimit } from './proc-memory.js';
import { startFarmProcess, startMockttp } from './processes.js';
import { startWiremock, WIREMOCK_HEAP_MIB, WIREMOCK_THREADS } from './wiremock.js';

/** The moderate load of the delay-error figure: 1,000 connections at 500/s, each asking for 2 s. */
const MODERATE: HoldShape = { connections: 1_000, delayMs: 2_000, ratePerS: 500 };
/** Rounds per server (BENCH_HOLD_PEERS_ROUNDS overrides: a round of the three takes minutes on a loaded machine). */
const ROUNDS = Number(process.env.BENCH_HOLD_PEERS_ROUNDS ?? 3);
const MIB = 1024 * 1024;
const DELAYS = [WARMUP_DELAY_MS, MODERATE.delayMs, HELD.delayMs];

type ServerName = 'farm' | 'mockttp' | 'WireMock';
/** A fresh server process: its pid, port, and how to stop it. */
type Started = { child: { pid?: number }; port: number; stop(): void };

/** Both runs of one server in one round: 10,000 held, then the moderate load. */
interface PeerRound {
  held: HoldRun;
  moderate: HoldRun;
}

async function startServer(name: ServerName, certsDir: string): Promise<Started> {
  if (name === 'mockttp') return startMockttp(DELAYS);
  if (name === 'WireMock') return startWiremock(DELAYS);
  const farm = await startFarmProcess(['slow-first-byte'], certsDir);
  const listener = farm.manifest.listeners.find((l) => l.id === 'slow-first-byte');
  if (!listener) throw (farm.stop(), new Error('the farm has no slow-first-byte listener'));
  return { child: farm.child, port: listener.port, stop: farm.stop };
}

async function round(name: ServerName, certsDir: string): Promise<PeerRound> {
  const server = await startServer(name, certsDir);
  try {
    const held = await holdRun(server.child.pid!, server.port, '/');
    return { held, moderate: await holdRun(server.child.pid!, server.port, '/', MODERATE) };
  } finally {
    server.stop();
  }
}

const peakMib = (run: HoldRun) => run.peakRssBytes / MIB;
const p99 = (run: HoldRun) => run.load.errorMs.p99;
/** A run in which every connection was answered. */
const answeredAll = (run: HoldRun, shape: HoldShape) => run.load.answered === shape.connections;
/** A held run in which every connection was also held at once (the moderate load spreads its connections over time). */
const heldAll = (run: HoldRun) => answeredAll(run, HELD) && run.load.heldAtOnce === HELD.connections;

/**
 * The hold-peers group: farm (slow-first-byte), mockttp and WireMock, ROUNDS rounds alternating, fresh processes.
 * A figure is met when the farm is below both peers and every farm run was complete; a peer's incomplete runs are
 * shown in the detail (they still count: a server that cannot hold the load has no better figure for it).
 * @throws Error (rejects) when RLIMIT_NOFILE is too low, or a server does not start (java missing: one line).
 */
export async function holdPeerFigures(): Promise<Figure[]> {
  const limit = openFileLimit();
  if (limit < HELD.connections + 64) throw new Error(`RLIMIT_NOFILE is ${limit}: run with ulimit -n ${HELD.connections * 2}`);
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-hold-peers-'));
  const runs: Record<ServerName, PeerRound[]> = { farm: [], mockttp: [], WireMock: [] };
  try {
    for (let i = 0; i < ROUNDS; i++)
      for (const name of ['farm', 'mockttp', 'WireMock'] as const) runs[name].push(await round(name, join(dir, 'certs')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const farmComplete = runs.farm.every((r) => heldAll(r.held) && answeredAll(r.moderate, MODERATE));
  const rounds = (pick: (r: PeerRound) => HoldRun) =>
    (Object.keys(runs) as ServerName[])
      .map((name) => runs[name].map((r, i) => `${name} round ${i + 1}: ${describe(pick(r))}`).join('. '))
      .join('. ');
  const setup =
    `median of ${ROUNDS} rounds, farm (slow-first-byte), mockttp (.delay(ms).thenReply(200)) and WireMock (fixedDelayMilliseconds; -Xmx${WIREMOCK_HEAP_MIB}m, ` +
    `${WIREMOCK_THREADS.container} container threads, asynchronous responses on ${WIREMOCK_THREADS.asyncResponse} threads, no request journal) alternating in fresh processes`;
  const figures: Figure[] = [];
  for (const peer of ['mockttp', 'WireMock'] as const) {
    const pair = (pick: (r: PeerRound) => number) => [median(runs.farm.map(pick)), median(runs[peer].map(pick))] as const;
    const [farmRss, peerRss] = pair((r) => peakMib(r.held));
    const [farmP99, peerP99] = pair((r) => p99(r.moderate));
    figures.push(
      {
        name: `slow-first-byte.held.rss.vs-${peer.toLowerCase()}`,
        what: `slow-first-byte peak RSS with ${HELD.connections.toLocaleString('en-US')} connections held, against ${peer}`,
        unit: 'MiB',
        value: farmRss,
        peer: { name: peer, value: peerRss, ratio: farmRss / peerRss },
        target: `< ${peer}`,
        met: farmComplete && farmRss < peerRss,
        detail: `${setup}; ${HELD.connections} connections at ${HELD.ratePerS}/s, each GET /?delay_ms=${HELD.delayMs}. ${rounds((r) => r.held)}`,
      },
      {
        name: `slow-first-byte.delay-error.p99.vs-${peer.toLowerCase()}`,
        what: `slow-first-byte delivered delay minus requested, p99 over ${MODERATE.connections.toLocaleString('en-US')} connections, against ${peer}`,
        unit: 'ms',
        value: farmP99,
        peer: { name: peer, value: peerP99, ratio: farmP99 / peerP99 },
        target: `< ${peer}`,
        met: farmComplete && farmP99 < peerP99,
        detail: `${setup}; ${MODERATE.connections} connections at ${MODERATE.ratePerS}/s, each GET /?delay_ms=${MODERATE.delayMs}. ${rounds((r) => r.moderate)}`,
      },
    );
  }
  return figures;
}
