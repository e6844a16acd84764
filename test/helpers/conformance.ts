import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, ManifestListener } from '../../src/manifest.js';
import { loadCatalogue, logMatches, requestFor, statusMatches, type ProxyExpectation, type Scenario } from '../../src/catalogue.js';
import { reach, routePath, type ProxyName } from '../../src/config/common.js';
import { generateConfig } from '../../src/config/index.js';
import { isHealthScenario } from '../../src/config/varnish.js';
import { BLOCKING_BODY_BYTES } from '../../src/client-request.js';
import { parseHaproxyLog, parseNginxLog, parseVarnishLog } from '../../src/verify/proxy-log.js';
import { OVERSIZED_READ_BYTES } from '../../src/listeners/http/faults/oversized-body.js';
import { freePort, proxyRequest, startHaproxy, startNginx, startVarnish, varnishProbed, varnishLog, type ProxyRequest, type ProxyResponse, type RunningProxy } from './proxies.js';

/** Families whose listeners must carry an expectation for every proxy that reaches them (a family left out would let a proxy's behaviour go unrecorded). */
export const COVERED_FAMILIES: ManifestListener['family'][] = ['certificate', 'protocol', 'connection', 'dns', 'http', 'http2'];

/** Request body the suite POSTs where a scenario only faults on one (the request-body faults declare it), bytes. */
export const SUITE_BODY_BYTES = BLOCKING_BODY_BYTES;

/** Body bytes the suite reads of an oversized body before it ends the connection (the fault declares it). */
export const SUITE_OVERSIZED_READ_BYTES = OVERSIZED_READ_BYTES;

export const PROXIES: ProxyName[] = ['nginx', 'haproxy', 'varnish'];

/** Timeouts the suite generates its configurations with (seconds), stated in docs/conformance.md. */
export const SUITE_TIMEOUTS = { connectTimeoutS: 2, readTimeoutS: 3 };

/** What one proxy did for one listener. */
export interface ProxyObservation {
  status: number | null;
  /** The stable part of its error-log line(s); undefined when it wrote none. */
  log?: string;
  /** Client-side error after (or instead of) the response head, e.g. `aborted`. */
  clientError?: string;
}

/** Listeners the suite sends through a proxy: reachable ones with an expectation object, and every reachable one of the covered families. */
export function listenersToObserve(proxy: ProxyName, manifest: Manifest): ManifestListener[] {
  return manifest.listeners.filter(
    (l) => reach(proxy, l, manifest).reachable && (Boolean(l.expect[proxy]) || COVERED_FAMILIES.includes(l.family)),
  );
}

export { parseHaproxyLog, parseNginxLog, parseVarnishLog };

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The request the suite sends through a proxy for a listener of `scenario`: what its fault declares
 * (`requestFor`), for a client whose read timeout is the proxy's; everything else `GET`, the whole body, 15 s at
 * most (the proxies' own timeouts, 2 s and 3 s, trip first).
 */
export function suiteRequest(scenario: Pick<Scenario, 'mechanism' | 'params'> | undefined): ProxyRequest {
  return scenario ? requestFor(scenario, { readTimeoutS: SUITE_TIMEOUTS.readTimeoutS }) : { method: 'GET' };
}

/** Options of `observeProxy`. */
export interface ObserveOptions {
  /** Requests in flight at once (default: all of them, so every request leaves within the first second). */
  concurrency?: number;
  /** Scenarios the listeners come from (default: the package's scenarios/), for `suiteRequest`. */
  scenarios?: Scenario[];
  /** Called before the proxy starts, e.g. to reset the farm's stateful listeners (stale-then-fail, health-flapping). */
  beforeStart?: () => void;
}

async function until<T>(what: string | (() => string), timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `proxy` with the configuration `badorigin config --for <proxy>` generates for `manifest` (suite timeouts,
 * a free port), waits (Varnish) until every health probe has run once, sends `suiteRequest` under
 * `/<listener id>/` for each listener of `listeners`, waits for its log, stops it, and returns what it did, by
 * listener id. `dir` must be an empty directory it may write. @throws Error when the proxy does not start or its
 * log lines do not all come within 10 s.
 */
export async function observeProxy(proxy: ProxyName, manifest: Manifest, listeners: ManifestListener[], dir: string, options: ObserveOptions = {}): Promise<Map<string, ProxyObservation>> {
  const port = await freePort();
  const errorLog = join(dir, 'error.log');
  const config = generateConfig(proxy, manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true, errorLog });
  const scenarios = new Map((options.scenarios ?? loadCatalogue().map((e) => e.scenario)).map((s) => [s.id, s]));
  let running: RunningProxy | undefined;
  try {
    options.beforeStart?.();
    running = proxy === 'nginx' ? await startNginx(config, dir, port) : proxy === 'haproxy' ? await startHaproxy(config, dir, port) : await startVarnish(config, dir, port);
    if (proxy === 'varnish') await waitForProbes(dir, listeners.filter((l) => isHealthScenario(l)).map((l) => l.id));
    const requests = listeners.map((l) => suiteRequest(scenarios.get(l.scenario)));
    const paths = listeners.map((l, i) => routePath(l) + (requests[i]!.pathSuffix ?? ''));
    const responses = await mapLimit(listeners.map((_, i) => i), options.concurrency ?? listeners.length, (i) => proxyRequest(port, paths[i]!, requests[i]));
    if (proxy === 'nginx') {
      // Stopped first, so that every line it writes for these requests (a client that went away, too) is in the file.
      await running.stop();
    }
    const logs = await collectLogs(proxy, running, dir, listeners, paths, responses);
    const result = new Map<string, ProxyObservation>();
    listeners.forEach((l, i) => {
      const lines = logs.get(l.id) ?? [];
      result.set(l.id, {
        status: responses[i]!.status,
        ...(lines.length ? { log: lines.join('; ') } : {}),
        ...(responses[i]!.error ? { clientError: responses[i]!.error } : {}),
      });
    });
    return result;
  } finally {
    await running?.stop();
  }
}

/** Resolves once Varnish has logged a probe result for every backend named in `backends` (it decides whether the first request goes to the backend). */
async function waitForProbes(dir: string, backends: string[]): Promise<void> {
  if (backends.length === 0) return;
  await until(`a health probe of ${backends.join(', ')}`, 10_000, async () => {
    const probed = await varnishProbed(dir);
    return backends.every((b) => probed.has(b)) ? true : undefined;
  });
}

async function collectLogs(proxy: ProxyName, running: RunningProxy, dir: string, listeners: ManifestListener[], paths: string[], responses: ProxyResponse[]): Promise<Map<string, string[]>> {
  const byId = new Map<string, string[]>();
  if (proxy === 'nginx') {
    // Read once nginx has exited (observeProxy stops it first).
    let text = '';
    try {
      text = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      /* no error at all */
    }
    const byPath = parseNginxLog(text);
    listeners.forEach((l, i) => byId.set(l.id, byPath.get(paths[i]!) ?? []));
  } else if (proxy === 'haproxy') {
    // HAProxy logs one line per request when the stream ends, just after the response: wait for all of them.
    const ids = listeners.map((l) => l.id);
    let missing: string[] = [];
    const parsed = await until(() => `one HAProxy log line per request; none yet for ${missing.join(', ')}`, 10_000, () => {
      const p = parseHaproxyLog(running.output(), ids);
      missing = ids.filter((id) => !p.has(id));
      return missing.length === 0 ? p : undefined;
    });
    for (const id of ids) byId.set(id, parsed.get(id)!);
  } else {
    // Varnish logs a request once its transaction ends; one the client gave up on may still be open (Varnish
    // writing a request body the origin never reads has no timeout), so only the others are waited for.
    const ended = listeners.map((l, i) => ({ id: l.id, path: paths[i]! })).filter((_, i) => !responses[i]!.error?.startsWith('no answer within'));
    let missing: string[] = [];
    const parsed = await until(() => `a Varnish log transaction per request; none yet for ${missing.join(', ')}`, 10_000, async () => {
      const p = parseVarnishLog(await varnishLog(dir));
      missing = ended.filter((e) => !p.has(e.path)).map((e) => e.id);
      return missing.length === 0 ? p : undefined;
    });
    listeners.forEach((l, i) => byId.set(l.id, parsed.get(paths[i]!) ?? []));
  }
  return byId;
}

/** One difference between the manifest and what a proxy did (or what the manifest fails to say). */
export interface Difference {
  listener: string;
  proxy: ProxyName;
  problem: string;
}

/** The expectation a proxy observation amounts to, as it would be written into a scenario file. */
export function asExpectation(observed: ProxyObservation): ProxyExpectation {
  return { status: observed.status ?? 0, ...(observed.log !== undefined ? { log: observed.log } : {}), source: 'observed' };
}

/**
 * Every difference between the manifest's `expect.<proxy>` and the observations: a status or log that differs, a
 * listener of a covered family without an expectation for a proxy that reaches it, an expectation (not null) for a
 * proxy that cannot reach the listener, an expectation whose source is not `observed`.
 */
export function compare(manifest: Manifest, proxy: ProxyName, observed: Map<string, ProxyObservation>): Difference[] {
  const differences: Difference[] = [];
  for (const l of manifest.listeners) {
    const expected = l.expect[proxy];
    const add = (problem: string) => differences.push({ listener: l.id, proxy, problem });
    const r = reach(proxy, l, manifest);
    if (!r.reachable) {
      if (expected) add(`has expect.${proxy}, but ${proxy} cannot reach it (${r.why}); use null`);
      continue;
    }
    if (expected === null) {
      add(`expect.${proxy} is null, but ${proxy} reaches this listener`);
      continue;
    }
    const seen = observed.get(l.id);
    if (!expected) {
      if (COVERED_FAMILIES.includes(l.family)) add(`no expect.${proxy}; observed ${JSON.stringify(seen && asExpectation(seen))}`);
      continue;
    }
    if (expected.source !== 'observed') add(`expect.${proxy}.source is ${expected.source}, not observed`);
    if (!seen) {
      add('not observed');
      continue;
    }
    if (!statusMatches(expected.status, seen.status)) add(`status: expected ${JSON.stringify(expected.status)}, observed ${seen.status}${seen.clientError ? ` (${seen.clientError})` : ''}`);
    if (!logMatches(expected.log, seen.log)) add(`log: expected ${JSON.stringify(expected.log)}, observed ${JSON.stringify(seen.log)}`);
  }
  return differences;
}
