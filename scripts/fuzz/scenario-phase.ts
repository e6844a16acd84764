import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { DEFAULT_SCENARIOS_DIR } from '../../src/catalogue.js';
import type { FarmProcess } from './farm-process.js';
import { runPool } from './pool.js';
import { inputRng } from './random.js';
import { scenarioDocument } from './scenario-inputs.js';

/** What the scenario documents did: answers by status, and what was left behind. */
export interface ScenarioPhaseReport {
  sent: number;
  durationMs: number;
  perSecond: number;
  /** `post-<status>` of each document, `delete-<status>` of each listener an accepted one started. */
  outcomes: Record<string, number>;
  kinds: Record<string, number>;
  /** Listeners the farm ran after the phase beyond those it ran before (the fuzzer deletes every one it added). */
  leftBehind: number;
  /** Answers no document should get (5xx, or none at all), first few. */
  problems: string[];
}

/** The catalogue's scenario files as parsed YAML objects, the seeds of the documents. */
export function loadSeedScenarios(): Record<string, unknown>[] {
  return readdirSync(DEFAULT_SCENARIOS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => load(readFileSync(join(DEFAULT_SCENARIOS_DIR, name), 'utf8')))
    .filter((doc): doc is Record<string, unknown> => typeof doc === 'object' && doc !== null);
}

/** One request to the control API on a connection of its own; resolves with status 0 when it fails or takes 30 s. */
function call(url: string, method: string, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method, agent: false, timeout: 30_000, headers: { 'content-type': 'application/yaml' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', () => resolve({ status: 0, body: text }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

const idOf = (body: string): string | undefined => {
  try {
    const entry: unknown = JSON.parse(body);
    return typeof entry === 'object' && entry !== null && 'id' in entry && typeof entry.id === 'string' ? entry.id : undefined;
  } catch {
    return undefined;
  }
};

/**
 * POSTs `count` scenario documents (scenario-inputs.ts) to the farm's `POST /listeners`, `concurrency` at a time,
 * and DELETEs every listener an accepted one started (`<id>` and `<id>-tls`), so the farm ends as it began.
 */
export async function scenarioPhase(farm: FarmProcess, count: number, seed: number, concurrency: number): Promise<ScenarioPhaseReport> {
  const report: ScenarioPhaseReport = { sent: 0, durationMs: 0, perSecond: 0, outcomes: {}, kinds: {}, leftBehind: 0, problems: [] };
  const bump = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);
  const seeds = loadSeedScenarios();
  const before = (await farm.stats()).length;
  const started = performance.now();
  await runPool(count, concurrency, async (i) => {
    if (farm.exit()) return;
    const document = scenarioDocument(inputRng(seed, 'scenario', i), seeds, `fuzz-${i}`);
    bump(report.kinds, document.kind);
    report.sent++;
    const posted = await call(`${farm.controlUrl}/listeners?port=${encodeURIComponent(document.port)}`, 'POST', document.body);
    bump(report.outcomes, `post-${posted.status}`);
    if (posted.status === 0 || posted.status >= 500)
      report.problems.push(`${document.kind}: ${posted.status} ${posted.body.slice(0, 200)}`);
    const id = posted.status === 201 ? idOf(posted.body) : undefined;
    if (!id) return;
    for (const added of [id, `${id}-tls`]) {
      const deleted = await call(`${farm.controlUrl}/listeners/${encodeURIComponent(added)}`, 'DELETE');
      bump(report.outcomes, `delete-${deleted.status}`);
      if (deleted.status !== 200 && deleted.status !== 404)
        report.problems.push(`DELETE ${added}: ${deleted.status} ${deleted.body.slice(0, 200)}`);
    }
  });
  report.durationMs = Math.round(performance.now() - started);
  report.perSecond = report.durationMs > 0 ? Math.round(report.sent / (report.durationMs / 1000)) : 0;
  if (!farm.exit()) report.leftBehind = (await farm.stats()).length - before;
  return report;
}
