import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, ManifestListener } from '../../src/manifest.js';
import { reach, type ProxyName } from '../../src/config/common.js';
import { generateConfig } from '../../src/config/index.js';
import { isHealthScenario } from '../../src/config/varnish.js';
import type { Farm } from '../../src/farm.js';
import type { VerifyReport } from '../../src/verify/report-schema.js';
import { describeCheck } from '../../src/verify/format/summary.js';
import { verify, type VerifyOptions } from '../../src/verify/run.js';
import {
  freePort,
  proxyRequest,
  startHaproxy,
  startNginx,
  startVarnish,
  startVarnishLog,
  varnishProbed,
  type RunningProxy,
} from './proxies.js';

/** Families whose listeners must carry an expectation for every proxy that reaches them (a family left out would let a proxy's behaviour go unrecorded). */
export const COVERED_FAMILIES: ManifestListener['family'][] = ['certificate', 'protocol', 'connection', 'dns', 'http', 'http2'];

export const PROXIES: ProxyName[] = ['nginx', 'haproxy', 'varnish'];

/** Timeouts the suite generates its configurations with (seconds), stated in docs/conformance.md. */
export const SUITE_TIMEOUTS = { connectTimeoutS: 2, readTimeoutS: 3 };

/**
 * What the manifest itself gets wrong for `proxy`, without running it: an expectation (not null) for a listener the
 * proxy cannot reach, null for one it reaches, none for a reachable listener of a covered family, a source other than
 * `observed` (what a proxy does is only ever observed here).
 */
export function manifestProblems(manifest: Manifest, proxy: ProxyName): string[] {
  const problems: string[] = [];
  for (const l of manifest.listeners) {
    const expected = l.expect[proxy];
    const r = reach(proxy, l, manifest);
    if (!r.reachable) {
      if (expected) problems.push(`${l.id}: has expect.${proxy}, but ${proxy} cannot reach it (${r.why}); use null`);
    } else if (expected === null) {
      problems.push(`${l.id}: expect.${proxy} is null, but ${proxy} reaches this listener`);
    } else if (!expected) {
      if (COVERED_FAMILIES.includes(l.family)) problems.push(`${l.id}: no expect.${proxy}`);
    } else if (expected.source !== 'observed') {
      problems.push(`${l.id}: expect.${proxy}.source is ${expected.source}, not observed`);
    }
  }
  return problems;
}

/** A proxy with the generated configuration: where `verify` reaches it and the log file it reads. */
export interface ProxyUnderTest {
  via: string;
  proxyLog: string;
  stop: () => Promise<void>;
}

async function until(what: string, timeoutMs: number, done: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Varnish with the generated VCL, once it is ready for `verify`: every health probe has run once (it decides whether
 * the first request goes to the backend), and `varnishlog` writes request transactions to `<dir>/varnish.log` (a
 * first request, answered by the VCL's synthetic 404, is in the file).
 */
async function startVarnishUnderTest(config: string, dir: string, port: number, manifest: Manifest): Promise<ProxyUnderTest> {
  const varnish = await startVarnish(config, dir, port);
  const proxyLog = join(dir, 'varnish.log');
  const log = startVarnishLog(dir, proxyLog);
  const stop = async () => (await log.stop(), await varnish.stop());
  try {
    const backends = manifest.listeners.filter((l) => isHealthScenario(l) && reach('varnish', l, manifest).reachable).map((l) => l.id);
    await until(`a health probe of ${backends.join(', ')}`, 10_000, async () => {
      const probed = await varnishProbed(dir);
      return backends.every((b) => probed.has(b));
    });
    await until('varnishlog to write a first transaction', 10_000, async () => {
      await proxyRequest(port, '/badorigin-conformance-ready', { method: 'GET', timeoutMs: 2_000 });
      return existsSync(proxyLog) && readFileSync(proxyLog, 'utf8').includes('/badorigin-conformance-ready');
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { via: `http://127.0.0.1:${port}`, proxyLog, stop };
}

/**
 * Starts `proxy` with the configuration `badorigin config --for <proxy>` generates for `manifest` (suite timeouts,
 * a free port) in `dir` (empty, writable), its log in a file: nginx's error log, HAProxy's standard output, or
 * `varnishlog`'s request transactions. @throws Error when the proxy does not start.
 */
export async function startProxyUnderTest(proxy: ProxyName, manifest: Manifest, dir: string): Promise<ProxyUnderTest> {
  const port = await freePort();
  const proxyLog = join(dir, proxy === 'nginx' ? 'error.log' : `${proxy}.log`);
  const config = generateConfig(proxy, manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true, errorLog: proxyLog });
  if (proxy === 'varnish') return startVarnishUnderTest(config, dir, port, manifest);
  const running: RunningProxy = proxy === 'nginx' ? await startNginx(config, dir, port) : await startHaproxy(config, dir, port, proxyLog);
  return { via: `http://127.0.0.1:${port}`, proxyLog, stop: running.stop };
}

/**
 * Listeners `verify` probes at once through each proxy: its default, except through Varnish, whose health probes
 * must still see health-flapping in the healthy phase its reset started when that listener's request comes.
 */
export function suiteConcurrency(proxy: ProxyName, manifest: Manifest): number | undefined {
  return proxy === 'varnish' ? manifest.listeners.length : undefined;
}

/**
 * `verify --expect <proxy>` of `farm` through `proxy` started as `startProxyUnderTest` does: the proxy's log
 * compared, each listener's state reset just before its probe, `suiteConcurrency` listeners at once, the suite's
 * read timeout. `beforeStart` runs before the proxy starts.
 */
export async function verifyThrough(
  proxy: ProxyName,
  farm: Farm,
  dir: string,
  options: Partial<VerifyOptions> & { beforeStart?: () => void } = {},
): Promise<VerifyReport> {
  const { beforeStart, ...rest } = options;
  beforeStart?.();
  const running = await startProxyUnderTest(proxy, farm.manifest, dir);
  try {
    return await verify({
      via: running.via,
      farmObject: farm,
      expect: proxy,
      proxyLog: running.proxyLog,
      readTimeout: SUITE_TIMEOUTS.readTimeoutS,
      concurrency: suiteConcurrency(proxy, farm.manifest),
      reset: true,
      ...rest,
    });
  } finally {
    await running.stop();
  }
}

/** One line per listener whose verdict is not what the manifest calls for: match where the proxy reaches it, unjudged (null) where not. */
export function wrongVerdicts(farm: Farm, proxy: ProxyName, report: VerifyReport): string[] {
  return report.listeners.flatMap((r) => {
    const listener = farm.manifest.listeners.find((l) => l.id === r.id)!;
    const wanted = reach(proxy, listener, farm.manifest).reachable ? 'match' : 'unjudged';
    if (r.verdict.result === wanted) return [];
    const checks = r.verdict.checks.filter((c) => c.result !== 'match').map(describeCheck);
    const client = r.asks[0]!.client;
    return [
      `${r.id}: ${r.verdict.result}${r.verdict.reason ? ` (${r.verdict.reason})` : ''}; ${checks.join('; ')}${client.error ? ` [client: ${client.error}]` : ''}`,
    ];
  });
}
