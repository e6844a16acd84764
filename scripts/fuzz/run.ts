import { readFileSync } from 'node:fs';
import { probe, type ProbeResult } from '../../src/probe.js';
import { startFarmProcess, type FarmProcess } from './farm-process.js';
import { loadSeedHellos } from './hello-seeds.js';
import { helloInput } from './hello-inputs.js';
import { h2Input } from './h2-inputs.js';
import { httpInput } from './http-inputs.js';
import type { FuzzInput } from './input.js';
import { runPool } from './pool.js';
import { scenarioPhase, type ScenarioPhaseReport } from './scenario-phase.js';
import { specInput } from './spec-inputs.js';
import { inputRng, type Rng } from './random.js';
import { sendInput, type SendTarget } from './send.js';
import { fuzzTargets, targetKinds } from './targets.js';

/** Crafted spec connections in flight at once (at most `concurrency`). */
const SPEC_CONCURRENCY = 16;

/** Options of a fuzz run (`npm run fuzz -- --hellos N --http N --seed S …`). */
export interface FuzzOptions {
  /** ClientHello inputs, one connection each, round-robin over the TLS listeners. */
  hellos: number;
  /** HTTP inputs, one connection each, over the HTTP listeners (a share of them inside TLS). */
  http: number;
  /** Seed of every input (input i of a stream is a function of seed and i alone: scripts/fuzz/random.ts). */
  seed: number;
  /** Connections in flight at once. */
  concurrency: number;
  /** How long a connection waits for the farm's first reaction before the fuzzer closes it, ms. */
  deadlineMs: number;
  /** Share of the HTTP inputs sent inside a completed TLS handshake to the `-tls` listeners, 0–1. */
  httpOverTlsShare: number;
  /** HTTP/2 inputs, one connection each, round-robin over the http2 listeners (h2c, or TLS with ALPN h2). Default 0. */
  h2?: number;
  /** Share of the HTTP/2 inputs sent inside a TLS handshake that offered ALPN h2 (the rest over h2c), 0–1. Default 0.3. */
  h2OverTlsShare?: number;
  /** Connections in flight during the HTTP/2 inputs (floods cost the farm more per connection). Default `concurrency`. */
  h2Concurrency?: number;
  /** Crafted fault specs (spec-inputs.ts), one GET each, round-robin over `crafted` and `crafted-tls`. Default 0. */
  specs?: number;
  /** Scenario documents (scenario-inputs.ts) POSTed to the control API, each accepted one then DELETEd. Default 0. */
  scenarios?: number;
  /** Called every few seconds with a progress line. */
  progress?: (line: string) => void;
}

/** Counts of one phase. */
export interface PhaseReport {
  /** Inputs sent (connections made or attempted). */
  sent: number;
  targets: number;
  durationMs: number;
  perSecond: number;
  /** The farm's reactions (send.ts SendResult.outcome), by count. */
  outcomes: Record<string, number>;
  /** Inputs by generator kind (the first word of FuzzInput.kind, `+split` counted apart). */
  kinds: Record<string, number>;
  /** Inputs by target kind (targets.ts targetKinds: the listener's mechanism, `+tls` for a `-tls` variant). */
  targetKinds: Record<string, number>;
}

/** Everything a run measured, and why it failed (empty `failures`: it passed). */
export interface FuzzReport {
  seed: number;
  options: Omit<FuzzOptions, 'progress'>;
  durationMs: number;
  hellos: PhaseReport;
  http: PhaseReport;
  h2: PhaseReport;
  specs: PhaseReport;
  scenarios: ScenarioPhaseReport;
  farm: {
    pid: number;
    listeners: number;
    alive: boolean;
    /** Uncaught errors and handler errors the farm printed. */
    problems: string[];
    rssBytesBefore: number;
    rssBytesAfter: number;
    fdsBefore: number;
    fdsAfter: number;
    /** Connections the farm counted during the fuzzing (control API `/listeners`), to compare with inputs sent. */
    connectionsCounted: number;
    /** Connections the farm still had open after the fuzzer closed all of its own, and how long they took to go. */
    openAfter: number;
    settleMs: number;
  };
  probe: { passed: number; failed: ProbeResult[] };
  failures: string[];
}

const bump = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);

async function totals(farm: FarmProcess): Promise<{ connections: number; open: number; openBy: string[] }> {
  const stats = await farm.stats();
  return {
    connections: stats.reduce((a, s) => a + s.connections, 0),
    open: stats.reduce((a, s) => a + s.open, 0),
    openBy: stats.filter((s) => s.open > 0).map((s) => `${s.id} ${s.open}`),
  };
}

/** Waits (polling the control API every 200 ms, at most `timeoutMs`) until the farm has no connection open. */
async function settle(farm: FarmProcess, timeoutMs: number): Promise<{ open: number; openBy: string[]; ms: number }> {
  const started = performance.now();
  for (;;) {
    const { open, openBy } = await totals(farm);
    const ms = Math.round(performance.now() - started);
    if (open === 0 || ms > timeoutMs) return { open, openBy, ms };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function phase(
  name: string,
  count: number,
  concurrency: number,
  targets: number,
  next: (index: number) => { target: SendTarget; input: FuzzInput },
  deadlineMs: number,
  farm: FarmProcess,
  progress?: (line: string) => void,
): Promise<PhaseReport> {
  const report: PhaseReport = { sent: 0, targets, durationMs: 0, perSecond: 0, outcomes: {}, kinds: {}, targetKinds: {} };
  const kindOf = targetKinds(farm.manifest);
  const started = performance.now();
  const ticker = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    const rss = farm.exit() ? 'farm EXITED' : `farm RSS ${(farm.rssBytes() / 2 ** 20).toFixed(0)} MiB`;
    progress?.(`${name}: ${report.sent}/${count} in ${s.toFixed(0)} s (${Math.round(report.sent / s)}/s), ${rss}`);
  }, 5000);
  try {
    await runPool(count, concurrency, async (index) => {
      if (farm.exit()) return; // the farm is gone: stop sending, the report says so
      const { target, input } = next(index);
      const split = input.kind.endsWith('+split');
      bump(report.kinds, input.kind.replace(/\+split$/, '').split(':')[0]!);
      if (split) bump(report.kinds, '(split into writes)');
      bump(report.targetKinds, `${kindOf.get(target.port) ?? '?'}${target.h2 ? (target.tls ? '+alpn-h2' : '+h2c') : ''}`);
      report.sent++;
      bump(report.outcomes, (await sendInput(target, input, deadlineMs)).outcome);
    });
  } finally {
    clearInterval(ticker);
  }
  report.durationMs = Math.round(performance.now() - started);
  report.perSecond = report.durationMs > 0 ? Math.round(report.sent / (report.durationMs / 1000)) : 0;
  return report;
}

/**
 * A fuzz run, so that no input a client can send crashes the farm or leaks a connection: starts the whole farm in its own process, sends `hellos` ClientHello inputs to
 * every TLS listener, `http` HTTP inputs to every HTTP listener and `h2` HTTP/2 inputs to every http2 listener, then requires the farm to be alive, to have
 * printed no uncaught or handler error, to have counted every connection, to have closed every connection the
 * fuzzer closed, and the probe (src/probe.ts) to pass for every listener. Stops the farm before resolving.
 * @throws Error only when the farm cannot be started; every other failure is in `failures`.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { progress, ...recorded } = options;
  const started = performance.now();
  const farm = await startFarmProcess();
  try {
    const targets = fuzzTargets(farm.manifest);
    const seeds = loadSeedHellos();
    const ca = readFileSync(farm.manifest.trust.rootCaFile, 'utf8');
    const rssBytesBefore = farm.rssBytes();
    const fdsBefore = farm.openFds();
    const before = await totals(farm);
    progress?.(
      `farm pid ${farm.pid}: ${farm.manifest.listeners.length} listeners; ${targets.tls.length} TLS targets, ${targets.http.length} HTTP targets (+${targets.httpOverTls.length} over TLS), ${targets.h2.length} HTTP/2 targets; seed ${options.seed}`,
    );

    // ClientHello handling differs by mechanism, not by scenario (every node:tls listener runs the same capture and
    // node:tls path; legacy-tls and tls-alert run the farm's own record layer): input i goes to kind i mod K, then
    // round-robin over that kind's listeners, so the two legacy-tls listeners get as many inputs as the 24 -tls ones.
    const kinds = targetKinds(farm.manifest);
    const groups = new Map<string, typeof targets.tls>();
    for (const l of targets.tls) groups.set(kinds.get(l.port)!, [...(groups.get(kinds.get(l.port)!) ?? []), l]);
    const byKind = [...groups.values()];
    const hellos = await phase(
      'ClientHellos',
      options.hellos,
      options.concurrency,
      targets.tls.length,
      (i) => {
        const rng: Rng = inputRng(options.seed, 'hello', i);
        const group = byKind[i % byKind.length]!;
        return { target: { port: group[Math.floor(i / byKind.length) % group.length]!.port }, input: helloInput(seeds, rng) };
      },
      options.deadlineMs,
      farm,
      progress,
    );

    const http = await phase(
      'HTTP',
      options.http,
      options.concurrency,
      targets.http.length + targets.httpOverTls.length,
      (i) => {
        const rng = inputRng(options.seed, 'http', i);
        const overTls = targets.httpOverTls.length > 0 && rng.chance(options.httpOverTlsShare);
        const listener = overTls ? rng.pick(targets.httpOverTls) : targets.http[i % targets.http.length]!;
        const target: SendTarget = overTls
          ? { port: listener.port, tls: { ca, servername: listener.connect.sni ?? farm.manifest.hostname } }
          : { port: listener.port };
        return { target, input: httpInput(rng) };
      },
      options.deadlineMs,
      farm,
      progress,
    );

    const h2Count = options.h2 ?? 0;
    const h2 = await phase(
      'HTTP/2',
      h2Count,
      options.h2Concurrency ?? options.concurrency,
      targets.h2.length,
      (i) => {
        const rng = inputRng(options.seed, 'h2', i);
        const listener = targets.h2[i % targets.h2.length]!;
        const overTls = rng.chance(options.h2OverTlsShare ?? 0.3);
        return {
          target: {
            port: listener.port,
            h2: true,
            ...(overTls ? { tls: { ca, servername: listener.connect.sni ?? farm.manifest.hostname } } : {}),
          },
          input: h2Input(rng),
        };
      },
      options.deadlineMs,
      farm,
      progress,
    );

    const crafted = farm.manifest.listeners.filter((l) => l.scenario === 'crafted');
    const specCount = options.specs ?? 0;
    // Fewer in flight than the other phases: a spec may ask for pauses and large bodies, and each is answered only
    // after it is parsed, so a deep queue would meet the deadline rather than the parser.
    const specs = await phase(
      'specs',
      specCount,
      Math.min(options.concurrency, SPEC_CONCURRENCY),
      crafted.length,
      (i) => {
        const rng = inputRng(options.seed, 'spec', i);
        const listener = crafted[i % crafted.length]!;
        const tls = listener.transport === 'https' ? { ca, servername: listener.connect.sni ?? farm.manifest.hostname } : undefined;
        return { target: { port: listener.port, ...(tls ? { tls } : {}) }, input: specInput(rng) };
      },
      options.deadlineMs,
      farm,
      progress,
    );
    progress?.(`scenario documents: ${options.scenarios ?? 0}`);
    const scenarios = await scenarioPhase(farm, options.scenarios ?? 0, options.seed, 8);

    const failures: string[] = [];
    if (specCount > 0 && crafted.length === 0) failures.push('no crafted listener to send specs to');
    if (scenarios.problems.length)
      failures.push(`${scenarios.problems.length} scenario documents got no answer or a 5xx, first: ${scenarios.problems[0]}`);
    if (scenarios.leftBehind !== 0) failures.push(`${scenarios.leftBehind} listeners added by scenario documents were still running`);
    const alive = farm.exit() === null;
    if (!alive) failures.push(`the farm exited (${JSON.stringify(farm.exit())}) during the run`);
    const settled = alive ? await settle(farm, 15_000) : { open: -1, openBy: [], ms: 0 };
    const after = alive ? await totals(farm) : before;
    const rssBytesAfter = alive ? farm.rssBytes() : 0;
    const fdsAfter = alive ? farm.openFds() : 0;
    progress?.(`fuzzing done; probing every listener`);
    const results = alive ? await probe(farm.manifest, [], 16) : [];
    const failed = results.filter((r) => !r.ok);
    const problems = farm.problems();

    const sent = hellos.sent + http.sent + h2.sent + specs.sent;
    const connectErrors = [hellos, http, h2, specs]
      .flatMap((p) => Object.entries(p.outcomes))
      .filter(([k]) => k.startsWith('connect-'))
      .reduce((a, [, n]) => a + n, 0);
    const connectionsCounted = after.connections - before.connections;
    const wanted = options.hellos + options.http + h2Count + specCount;
    if (sent < wanted) failures.push(`sent ${sent} of ${wanted} inputs`);
    if (scenarios.sent < (options.scenarios ?? 0)) failures.push(`sent ${scenarios.sent} of ${options.scenarios} scenario documents`);
    if (connectErrors > 0) failures.push(`${connectErrors} connections could not be made`);
    if (alive && connectionsCounted < sent - connectErrors)
      failures.push(`the farm counted ${connectionsCounted} connections for ${sent - connectErrors} inputs`);
    if (settled.open > 0)
      failures.push(
        `${settled.open} connections still open on the farm ${settled.ms} ms after the fuzzer closed all of its own (${settled.openBy.join(', ')})`,
      );
    if (problems.length) failures.push(`${problems.length} uncaught or handler errors, first: ${problems[0]}`);
    if (alive && failed.length)
      failures.push(
        `probe failed for ${failed.map((r) => `${r.id} (expected ${r.expected.code ?? 'ok'}, observed ${r.observed.code ?? r.observed.status})`).join(', ')}`,
      );
    if (alive && failed.length + results.filter((r) => r.ok).length !== farm.manifest.listeners.length)
      failures.push('the probe did not check every listener');

    return {
      seed: options.seed,
      options: recorded,
      durationMs: Math.round(performance.now() - started),
      hellos,
      http,
      h2,
      specs,
      scenarios,
      farm: {
        pid: farm.pid,
        listeners: farm.manifest.listeners.length,
        alive,
        problems: problems.slice(0, 20),
        rssBytesBefore,
        rssBytesAfter,
        fdsBefore,
        fdsAfter,
        connectionsCounted,
        openAfter: settled.open,
        settleMs: settled.ms,
      },
      probe: { passed: results.filter((r) => r.ok).length, failed },
      failures,
    };
  } finally {
    await farm.stop();
  }
}

/** The report as the lines `npm run fuzz` prints. */
export function formatReport(r: FuzzReport): string {
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const top = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const line = (name: string, p: PhaseReport) => [
    `${name}: ${p.sent} inputs over ${p.targets} listeners in ${(p.durationMs / 1000).toFixed(1)} s (${p.perSecond}/s)`,
    `  targets:  ${top(p.targetKinds)}`,
    `  inputs:   ${top(p.kinds)}`,
    `  outcomes: ${top(p.outcomes)}`,
  ];
  return [
    `seed ${r.seed}, concurrency ${r.options.concurrency}, deadline ${r.options.deadlineMs} ms; total ${(r.durationMs / 1000).toFixed(1)} s`,
    ...line('ClientHellos', r.hellos),
    ...line('HTTP', r.http),
    ...(r.h2.sent ? line('HTTP/2', r.h2) : []),
    ...(r.specs.sent ? line('crafted specs', r.specs) : []),
    ...(r.scenarios.sent
      ? [
          `scenario documents: ${r.scenarios.sent} in ${(r.scenarios.durationMs / 1000).toFixed(1)} s (${r.scenarios.perSecond}/s); ${r.scenarios.leftBehind} listeners left behind`,
          `  inputs:   ${top(r.scenarios.kinds)}`,
          `  outcomes: ${top(r.scenarios.outcomes)}`,
        ]
      : []),
    `farm pid ${r.farm.pid} (${r.farm.listeners} listeners): ${r.farm.alive ? 'alive' : 'EXITED'}; RSS ${mib(r.farm.rssBytesBefore)} before, ${mib(r.farm.rssBytesAfter)} after; fds ${r.farm.fdsBefore} before, ${r.farm.fdsAfter} after`,
    `farm counted ${r.farm.connectionsCounted} connections; ${r.farm.openAfter} open ${r.farm.settleMs} ms after the last input; ${r.farm.problems.length} uncaught/handler errors`,
    `probe: ${r.probe.passed} listeners passed, ${r.probe.failed.length} failed`,
    r.failures.length
      ? `FAILED:\n${r.failures.map((f) => `  - ${f}`).join('\n')}`
      : 'PASSED: zero crashes, every listener answers its control request',
  ].join('\n');
}
