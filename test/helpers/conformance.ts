import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, ManifestListener } from '../../src/manifest.js';
import { logMatches, type ProxyExpectation } from '../../src/catalogue.js';
import { reach, routePath, type ProxyName } from '../../src/config/common.js';
import { generateConfig } from '../../src/config/index.js';
import { freePort, proxyGet, startHaproxy, startNginx, startVarnish, varnishLog, type RunningProxy } from './proxies.js';

/** Families whose listeners must carry an expectation for every proxy that reaches them (issue 7). */
export const COVERED_FAMILIES: ManifestListener['family'][] = ['certificate', 'connection', 'dns'];

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

/** nginx error-log lines by request path: the message without time, level, pid, connection number and the `, client: …` suffix. */
export function parseNginxLog(text: string): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\S+ \S+ \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*?), client: .*request: "\S+ (\S+) HTTP\/[\d.]+"/.exec(line);
    if (!m) continue;
    const [, , message, path] = m;
    byPath.set(path!, [...(byPath.get(path!) ?? []), message!]);
  }
  return byPath;
}

/** HAProxy log lines (HAPROXY_LOG_FORMAT) by backend name, without the leading backend name. */
export function parseHaproxyLog(text: string, backends: string[]): Map<string, string[]> {
  const byBackend = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const name = line.split(' ')[0]!;
    if (!backends.includes(name)) continue;
    byBackend.set(name, [...(byBackend.get(name) ?? []), line.slice(name.length + 1).trim()]);
  }
  return byBackend;
}

/** Varnish FetchError records by client request URL, from `varnishlog -d -g request`. */
export function parseVarnishLog(text: string): Map<string, string[]> {
  const byUrl = new Map<string, string[]>();
  for (const block of text.split(/\n\s*\n/)) {
    const url = /^-+\s+ReqURL\s+(\S+)/m.exec(block)?.[1];
    if (!url) continue;
    byUrl.set(url, [...block.matchAll(/^-+\s+FetchError\s+(.*?)\s*$/gm)].map((m) => m[1]!));
  }
  return byUrl;
}

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

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `proxy` with the configuration `badorigin config --for <proxy>` generates for `manifest` (suite timeouts,
 * a free port), sends `GET /<listener id>/` for each listener of `listeners` (at most `concurrency` at a time), waits
 * for its log, stops it, and returns what it did, by listener id. `dir` must be an empty directory it may write.
 */
export async function observeProxy(proxy: ProxyName, manifest: Manifest, listeners: ManifestListener[], dir: string, concurrency = 8): Promise<Map<string, ProxyObservation>> {
  const port = await freePort();
  const errorLog = join(dir, 'error.log');
  const config = generateConfig(proxy, manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true, errorLog });
  let running: RunningProxy | undefined;
  try {
    running = proxy === 'nginx' ? await startNginx(config, dir, port) : proxy === 'haproxy' ? await startHaproxy(config, dir, port) : await startVarnish(config, dir, port);
    const responses = await mapLimit(listeners, concurrency, (l) => proxyGet(port, routePath(l)));
    const logs = await collectLogs(proxy, running, dir, listeners);
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

async function collectLogs(proxy: ProxyName, running: RunningProxy, dir: string, listeners: ManifestListener[]): Promise<Map<string, string[]>> {
  const byId = new Map<string, string[]>();
  if (proxy === 'nginx') {
    // nginx writes the line before it answers, so it is there once every response has ended.
    let text = '';
    try {
      text = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      /* no error at all */
    }
    const byPath = parseNginxLog(text);
    for (const l of listeners) byId.set(l.id, byPath.get(routePath(l)) ?? []);
  } else if (proxy === 'haproxy') {
    // HAProxy logs one line per request when the stream ends, just after the response: wait for all of them.
    const ids = listeners.map((l) => l.id);
    const parsed = await until('one HAProxy log line per request', 10_000, () => {
      const p = parseHaproxyLog(running.output(), ids);
      return ids.every((id) => p.has(id)) ? p : undefined;
    });
    for (const id of ids) byId.set(id, parsed.get(id)!);
  } else {
    const parsed = await until('a Varnish log transaction per request', 10_000, async () => {
      const p = parseVarnishLog(await varnishLog(dir));
      return listeners.every((l) => p.has(routePath(l))) ? p : undefined;
    });
    for (const l of listeners) byId.set(l.id, parsed.get(routePath(l))!);
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
    if (seen.status !== expected.status) add(`status: expected ${expected.status}, observed ${seen.status}${seen.clientError ? ` (${seen.clientError})` : ''}`);
    if (!logMatches(expected.log, seen.log)) add(`log: expected ${JSON.stringify(expected.log)}, observed ${JSON.stringify(seen.log)}`);
  }
  return differences;
}
