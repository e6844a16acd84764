import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { DEFAULT_SCENARIOS_DIR, loadCatalogue } from '../src/catalogue.js';
import type { ProxyName } from '../src/config/common.js';
import { startFarm, type Farm } from '../src/farm.js';
import { describeCheck } from '../src/verify/format/summary.js';
import type { Check } from '../src/verify/report-schema.js';
import { verifyThrough } from './helpers/conformance.js';
import { certsDir, tempDir } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const TOOLS: Record<ProxyName, string[]> = { nginx: ['nginx'], haproxy: ['haproxy'], varnish: ['varnishd', 'varnishlog'] };

// The conformance run (verify --expect <proxy>) must catch a listener whose behaviour changed while its expectations
// did not: a copy of the scenarios with one scenario's params edited, a farm of that scenario alone, and the checks
// each proxy's verdicts fail against the (unchanged) expectations.
describe('conformance catches drift between a listener and its manifest entry', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A failed check of a listener's verdict. */
  interface Failure {
    listener: string;
    check: Check;
  }

  /** Starts a farm of `scenario` alone from a scenarios copy in which `from` is replaced by `to`; returns each proxy's failed checks. */
  async function drifted(
    t: TestContext,
    scenario: string,
    from: RegExp,
    to: string,
    proxies: ProxyName[],
  ): Promise<Map<ProxyName, Failure[]> | undefined> {
    for (const proxy of proxies) for (const tool of TOOLS[proxy]) if (!requireTool(t, tool)) return undefined;
    const scenarios = tempDir('badorigin-scenarios-');
    const certs = certsDir();
    cleanups.push(scenarios.remove, certs.remove);
    cpSync(DEFAULT_SCENARIOS_DIR, scenarios.dir, { recursive: true });
    const file = join(scenarios.dir, `${scenario}.yaml`);
    const original = readFileSync(file, 'utf8');
    const changed = original.replace(from, to);
    assert.notEqual(changed, original, 'the fixture edit must apply');
    writeFileSync(file, changed);
    const farm: Farm = await startFarm({
      basePort: 0,
      certsDir: certs.dir,
      scenariosDir: scenarios.dir,
      only: [scenario],
      controlPort: null,
    });
    cleanups.push(() => farm.close());
    assert.ok(loadCatalogue(scenarios.dir).some((e) => e.scenario.id === scenario));
    const result = new Map<ProxyName, Failure[]>();
    for (const proxy of proxies) {
      const work = tempDir(`badorigin-${proxy}-`);
      cleanups.push(work.remove);
      const report = await verifyThrough(proxy, farm, work.dir);
      assert.equal(report.ok, false, `${proxy}: verify must fail`);
      result.set(
        proxy,
        report.listeners.flatMap((l) =>
          l.verdict.checks.filter((c) => c.result === 'mismatch').map((check) => ({ listener: l.id, check })),
        ),
      );
    }
    return result;
  }

  test('cert-expired serving a valid certificate fails the nginx and HAProxy comparisons', async (t) => {
    const result = await drifted(
      t,
      'cert-expired',
      /certificate: \{ issuer: farm-intermediate, notBeforeDays: -400, notAfterDays: -30 \}/,
      'certificate: valid',
      ['nginx', 'haproxy'],
    );
    if (!result) return;
    for (const failures of result.values()) {
      assert.deepEqual(
        failures.map((f) => [f.listener, f.check.field]),
        [
          ['cert-expired', 'status'],
          ['cert-expired', 'log'],
        ],
        JSON.stringify(failures),
      );
      assert.match(describeCheck(failures[0]!.check), /^status: expected 50\d, observed 200/);
      assert.match(describeCheck(failures[1]!.check), /^log: expected ".*certificate/);
    }
  });

  test('slow-first-byte answering at once fails the nginx, HAProxy and Varnish comparisons', async (t) => {
    const result = await drifted(t, 'slow-first-byte', /delayMs: \d+/, 'delayMs: 0', ['nginx', 'haproxy', 'varnish']);
    if (!result) return;
    for (const [proxy, failures] of result) {
      const ids = proxy === 'varnish' ? ['slow-first-byte'] : ['slow-first-byte', 'slow-first-byte-tls'];
      assert.deepEqual(
        failures.map((f) => [f.listener, f.check.field]),
        ids.flatMap((id) => [
          [id, 'status'],
          [id, 'log'],
        ]),
        JSON.stringify(failures),
      );
      for (let i = 0; i < failures.length; i += 2) {
        assert.match(describeCheck(failures[i]!.check), /^status: expected 50\d, observed 200/);
        assert.match(describeCheck(failures[i + 1]!.check), /^log: expected "(.*timed out|.*timeout|504 sH--)/);
      }
    }
  });
});
