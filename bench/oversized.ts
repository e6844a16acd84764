// oversized-body: throughput on loopback and RSS growth for a 20 GiB body, the farm (`badorigin serve
// --only oversized-body`, its own process) against a plain node:http server streaming the same size from one
// buffer (bench/plain-http.ts). The reader is curl -o /dev/null: it reads in C with little CPU (about 0.5 s of CPU
// per 4 GiB here, where a Node raw-socket reader needed 2.1 s and capped the rate at about 1.4 GB/s), so the server
// is what limits the rate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClient } from '../src/clients/run-client.js';
import type { Figure } from './figure.js';
import { processMemory, sampleMemory } from './proc-memory.js';
import { startFarmProcess, startPlainHttp } from './processes.js';

const SIZE = 20 * 1024 ** 3;
const MIB = 1024 * 1024;

/** What one server did for one SIZE-byte body: rate in bytes/s, memory in bytes. */
interface BodyRun {
  bytesPerS: number;
  seconds: number;
  idleRssBytes: number;
  peakRssBytes: number;
}

/**
 * Fetches `?size=SIZE` from `port` with curl into /dev/null while sampling process `pid`'s RSS.
 * @throws Error when curl fails or delivers another size.
 */
async function bodyRun(pid: number, port: number): Promise<BodyRun> {
  const idleRssBytes = processMemory(pid).rssBytes;
  const sampler = sampleMemory(pid, 100);
  const result = await runClient(
    ['curl', '-sS', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', `http://127.0.0.1:${port}/?size=${SIZE}`],
    300_000,
  );
  const { peakRssBytes } = sampler.stop();
  const [size, seconds] = result.stdout.trim().split(' ').map(Number) as [number, number];
  if (result.exit !== 0 || size !== SIZE) throw new Error(`curl exit ${result.exit}, ${size} of ${SIZE} bytes: ${result.stderr}`);
  return { bytesPerS: size / seconds, seconds, idleRssBytes, peakRssBytes };
}

/** The oversized-body figures: farm vs plain node:http, in the same run. */
export async function oversizedFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-oversized-'));
  const farm = await startFarmProcess(['oversized-body'], join(dir, 'certs'));
  let farmRun: BodyRun;
  let plainRun: BodyRun;
  try {
    const listener = farm.manifest.listeners.find((l) => l.id === 'oversized-body');
    if (!listener) throw new Error('the farm has no oversized-body listener');
    farmRun = await bodyRun(farm.child.pid!, listener.port);
  } finally {
    farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const plain = await startPlainHttp();
  try {
    plainRun = await bodyRun(plain.child.pid!, plain.port);
  } finally {
    plain.stop();
  }
  const gbps = (run: BodyRun) => run.bytesPerS / 1e9;
  const growth = (run: BodyRun) => (run.peakRssBytes - run.idleRssBytes) / MIB;
  const describe = (run: BodyRun) =>
    `${run.seconds.toFixed(1)} s, RSS ${(run.idleRssBytes / MIB).toFixed(0)} → peak ${(run.peakRssBytes / MIB).toFixed(0)} MiB`;
  const detail = `one 20 GiB body (Content-Length) read by curl -o /dev/null over 127.0.0.1; farm: ${describe(farmRun)}; node:http: ${describe(plainRun)}; RSS sampled every 100 ms`;
  return [
    {
      name: 'oversized-body.throughput',
      what: 'oversized-body throughput on loopback (20 GiB body)',
      unit: 'GB/s',
      value: gbps(farmRun),
      peer: { name: 'node:http', value: gbps(plainRun), ratio: gbps(farmRun) / gbps(plainRun) },
      target: '>= 1 GB/s',
      met: gbps(farmRun) >= 1,
      detail,
    },
    {
      name: 'oversized-body.rss-growth',
      what: 'oversized-body RSS growth over a 20 GiB body',
      unit: 'MiB',
      value: growth(farmRun),
      peer: { name: 'node:http', value: growth(plainRun), ratio: growth(farmRun) / growth(plainRun) },
      target: '< 64 MiB',
      met: growth(farmRun) < 64,
      detail,
    },
  ];
}
