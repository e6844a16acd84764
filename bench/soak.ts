// npm run soak -- [--minutes 10] [--held 200] [--seed S]
// The soak, so that a leak shows as growth that outlives the load: mixed load over every listener of a farm in its own process, the farm's open file
// descriptors and RSS sampled every few seconds; once the load stops and the held connections are released, both
// must return to their baseline. Writes bench/results/soak.json and prints the figures; exit 1 when it fails.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { probe } from '../src/probe.js';
import { startFarmProcess, type FarmProcess } from '../scripts/fuzz/farm-process.js';
import { inputRng } from '../scripts/fuzz/random.js';
import { HeldConnections, STALLING_SCENARIOS } from './soak/held.js';
import { handshakeOnce, loop, requestOnce, resolveOnce, type Counts } from './soak/load.js';

const OUT = fileURLToPath(new URL('./results/soak.json', import.meta.url));
/**
 * RSS may end this much above its baseline and pass. V8 keeps old-space pages and its young generation (up to
 * 2 × 16 MiB semi-spaces) once grown, and glibc keeps freed malloc arenas (OpenSSL's per-connection buffers) after
 * hundreds of concurrent TLS connections; a leak that scales with the load (1 KiB per connection over the soak's
 * hundreds of thousands) is far above it.
 */
const RSS_TOLERANCE_BYTES = 64 * 2 ** 20;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    held: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    'sample-s': { type: 'string', default: '5' },
  },
});
const minutes = Number(values.minutes);
const heldTarget = Number(values.held);
const sampleMs = Number(values['sample-s']) * 1000;
if (!(minutes > 0) || !(heldTarget >= 0) || !(sampleMs >= 1000)) {
  process.stderr.write('soak: --minutes > 0, --held >= 0, --sample-s >= 1\n');
  process.exit(2);
}

interface Sample {
  /** Seconds since the load started. */
  t: number;
  rssBytes: number;
  fds: number;
  /** Connections the farm has open (control API), and the soak's held ones among them. */
  farmOpen: number;
  held: number;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function sample(farm: FarmProcess, t: number, held: number): Promise<Sample> {
  const stats = await farm.stats();
  return { t, rssBytes: farm.rssBytes(), fds: farm.openFds(), farmOpen: stats.reduce((a, s) => a + s.open, 0), held };
}

/** Waits (polling every 250 ms, at most `timeoutMs`) until the farm has no connection open. */
async function settle(farm: FarmProcess, timeoutMs: number): Promise<{ open: number; ms: number }> {
  const started = performance.now();
  for (;;) {
    const open = (await farm.stats()).reduce((a, s) => a + s.open, 0);
    const ms = Math.round(performance.now() - started);
    if (open === 0 || ms > timeoutMs) return { open, ms };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const farm = await startFarmProcess();
const failures: string[] = [];
try {
  const manifest = farm.manifest;
  const ca = readFileSync(manifest.trust.rootCaFile, 'utf8');
  const rng = inputRng(Number(values.seed), 'soak', 0);
  const dns = manifest.listeners.filter((l) => l.transport === 'dns');
  const connecting = manifest.listeners.filter((l) => l.transport !== 'dns');
  const tls = manifest.listeners.filter((l) => l.transport === 'tls' || l.transport === 'https');
  const stalling = manifest.listeners.filter((l) => STALLING_SCENARIOS.includes(l.scenario));

  // Warm-up: one probe of every listener (lazy TLS contexts, JIT), then the baseline once nothing is open.
  const warm = await probe(manifest, [], 16);
  if (warm.some((r) => !r.ok))
    failures.push(
      `warm-up probe failed for ${warm
        .filter((r) => !r.ok)
        .map((r) => r.id)
        .join(', ')}`,
    );
  await settle(farm, 30_000);
  const baseline = await sample(farm, 0, 0);
  process.stderr.write(
    `soak: farm pid ${farm.pid}, ${manifest.listeners.length} listeners; baseline RSS ${mib(baseline.rssBytes)}, ${baseline.fds} fds; ${minutes} min of load\n`,
  );

  const counts = { requests: {} as Counts, handshakes: {} as Counts, dns: {} as Counts };
  const held = new HeldConnections(stalling, ca, heldTarget, rng);
  const started = performance.now();
  const endAt = started + minutes * 60_000;
  const running = () => performance.now() < endAt && !farm.exit();
  const samples: Sample[] = [];
  const sampler = setInterval(() => {
    if (farm.exit()) return;
    void sample(farm, Math.round((performance.now() - started) / 1000), held.size).then(
      (s) => {
        samples.push(s);
        const total = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
        process.stderr.write(
          `soak: ${s.t} s: RSS ${mib(s.rssBytes)}, ${s.fds} fds, ${s.farmOpen} open (${s.held} held); ${total(counts.requests)} requests, ${total(counts.handshakes)} handshakes, ${total(counts.dns)} DNS queries\n`,
        );
      },
      () => undefined,
    );
  }, sampleMs);
  held.start();
  await Promise.all([
    loop(16, running, () => requestOnce(manifest, connecting, rng, counts.requests, 2000)),
    loop(8, running, () => handshakeOnce(tls, ca, rng, counts.handshakes, 2000)),
    loop(2, running, () => resolveOnce(manifest, dns, rng, counts.dns, 1000)),
  ]);
  clearInterval(sampler);
  const loadSeconds = Math.round((performance.now() - started) / 1000);
  held.releaseAll();

  const alive = farm.exit() === null;
  if (!alive) failures.push(`the farm exited (${JSON.stringify(farm.exit())})`);
  const settled = alive ? await settle(farm, 30_000) : { open: -1, ms: 0 };
  const final = alive ? await sample(farm, loadSeconds, 0) : baseline;
  const peak = samples.reduce((a, s) => (s.rssBytes > a.rssBytes ? s : a), baseline);
  const peakFds = Math.max(baseline.fds, ...samples.map((s) => s.fds));
  // Plateau: the last quarter of the load should not sit above the second quarter (a leak keeps climbing).
  const quarter = (q: number) => samples.filter((s) => s.t >= (loadSeconds * q) / 4 && s.t < (loadSeconds * (q + 1)) / 4);
  const maxRss = (list: Sample[]) => Math.max(0, ...list.map((s) => s.rssBytes));
  if (settled.open > 0) failures.push(`${settled.open} connections still open ${settled.ms} ms after the load stopped`);
  if (final.fds > baseline.fds) failures.push(`${final.fds} fds after, ${baseline.fds} at baseline`);
  if (final.rssBytes > baseline.rssBytes + RSS_TOLERANCE_BYTES)
    failures.push(`RSS ${mib(final.rssBytes)} after, more than ${mib(RSS_TOLERANCE_BYTES)} over the baseline ${mib(baseline.rssBytes)}`);
  const problems = farm.problems();
  if (problems.length) failures.push(`${problems.length} uncaught or handler errors, first: ${problems[0]}`);

  const result = {
    date: new Date().toISOString(),
    command: `npm run soak -- --minutes ${minutes} --held ${heldTarget} --seed ${values.seed}`,
    minutes,
    loadSeconds,
    listeners: manifest.listeners.length,
    mix: { requestLoops: 16, handshakeLoops: 8, dnsLoops: 2, heldConnections: heldTarget, heldOn: stalling.map((l) => l.id) },
    counts: { ...counts, held: held.counts },
    baseline: { rssBytes: baseline.rssBytes, fds: baseline.fds },
    peak: { rssBytes: peak.rssBytes, fds: peakFds, farmOpen: Math.max(0, ...samples.map((s) => s.farmOpen)) },
    rssByQuarter: [0, 1, 2, 3].map((q) => maxRss(quarter(q))),
    final: { rssBytes: final.rssBytes, fds: final.fds, openConnections: settled.open, settleMs: settled.ms },
    tolerance: { rssBytes: RSS_TOLERANCE_BYTES, fds: 0 },
    alive,
    failures,
    samples,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  const total = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
  const top = (c: Counts) =>
    Object.entries(c)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  process.stdout.write(
    `${[
      `soak: ${loadSeconds} s of load on ${manifest.listeners.length} listeners (farm pid ${farm.pid})`,
      `  requests   ${total(counts.requests)} (${top(counts.requests)})`,
      `  handshakes ${total(counts.handshakes)} (${top(counts.handshakes)})`,
      `  DNS        ${total(counts.dns)} (${top(counts.dns)})`,
      `  held       ${held.counts.opened} connections opened, ${heldTarget} at a time, ${held.counts.endedByFarm} ended by the farm`,
      `  RSS  baseline ${mib(baseline.rssBytes)}, peak ${mib(peak.rssBytes)}, by quarter ${result.rssByQuarter.map(mib).join(' / ')}, after ${mib(final.rssBytes)} (tolerance +${mib(RSS_TOLERANCE_BYTES)})`,
      `  fds  baseline ${baseline.fds}, peak ${peakFds}, after ${final.fds}; ${settled.open} connections open ${settled.ms} ms after the load stopped`,
      failures.length ? `FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}` : 'PASSED: file descriptors and RSS back to baseline',
      `figures: ${OUT}`,
    ].join('\n')}\n`,
  );
} finally {
  await farm.stop();
}
process.exitCode = failures.length ? 1 : 0;
