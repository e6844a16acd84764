import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFarm, type Farm } from '../src/farm.js';
import type { ProxyName } from '../src/config/common.js';
import type { VerifyReport } from '../src/verify/report-schema.js';
import { COVERED_FAMILIES, PROXIES, manifestProblems, verifyThrough, wrongVerdicts } from './helpers/conformance.js';
import { observeAllClients, renderConformance } from './helpers/matrix.js';
import { certsDir, tempDir } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

// Debian keeps nginx, haproxy and varnishd in /usr/sbin, which a non-root PATH lacks.
process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const BINARIES: Record<ProxyName, string[]> = { nginx: ['nginx'], haproxy: ['haproxy'], varnish: ['varnishd', 'varnishlog'] };
const MATRIX = fileURLToPath(new URL('../docs/conformance.md', import.meta.url));

function version(argv: string[], pattern: RegExp): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return pattern.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

/** Resets every listener's state and counters. */
function resetAll(farm: Farm): void {
  for (const l of farm.manifest.listeners) farm.reset(l.id);
}

// The whole catalogue through nginx, HAProxy and Varnish with the generated configurations, judged by `verify
// --expect <proxy>` with the proxy's log: the manifest's expect.<proxy> must be exactly what each proxy does.
// CONFORMANCE_WRITE_MATRIX=1 (npm run conformance) also rewrites docs/conformance.md from this run.
describe('conformance: every listener through nginx, HAProxy and Varnish', () => {
  let farm: Farm;
  const certs = certsDir();
  const workDirs: (() => void)[] = [];
  const reports = new Map<ProxyName, VerifyReport>();

  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, controlPort: null });
    // cert-expires-soon's expectations are those after expiry: a leaf that expires in 1 s, and that second waited out.
    await farm.update('cert-expires-soon', { certificate: { issuer: 'farm-intermediate', expiresInS: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  });
  after(async () => {
    await farm?.close();
    for (const remove of workDirs) remove();
    certs.remove();
  });

  test('every listener of every family is covered by every proxy that reaches it', () => {
    const covered = farm.manifest.listeners.filter((l) => COVERED_FAMILIES.includes(l.family));
    assert.equal(covered.length, farm.manifest.listeners.length, 'COVERED_FAMILIES leaves out a family');
    for (const proxy of PROXIES) assert.deepEqual(manifestProblems(farm.manifest, proxy), []);
  });

  for (const proxy of PROXIES) {
    test(`verify --expect ${proxy} through ${proxy}: every listener it reaches matches`, async (t) => {
      for (const binary of BINARIES[proxy]) if (!requireTool(t, binary)) return;
      // Directly under the temporary directory: varnishd's unprivileged compiler must be able to reach the VCL.
      const work = tempDir(`badorigin-${proxy}-`);
      workDirs.push(work.remove);
      // Varnish's health probes meet health-flapping in its healthy phase; verify resets each listener again just
      // before its probe (stale-then-fail's first request).
      const report = await verifyThrough(proxy, farm, work.dir, { beforeStart: () => resetAll(farm) });
      reports.set(proxy, report);
      assert.equal(report.listeners.length, farm.manifest.listeners.length);
      assert.deepEqual(wrongVerdicts(farm, proxy, report), []);
    });
  }

  test('docs/conformance.md: the verify reports of this run', {
    skip: process.env.CONFORMANCE_WRITE_MATRIX !== '1' && 'set CONFORMANCE_WRITE_MATRIX=1 (npm run conformance) to rewrite it',
  }, async (t) => {
    for (const tool of ['curl', 'openssl', 'gnutls-cli', 'dig']) if (!requireTool(t, tool)) return;
    assert.deepEqual([...reports.keys()], PROXIES, 'every proxy ran');
    const clients = await observeAllClients(farm.manifest);
    const versions = {
      node: process.version.slice(1),
      curl: version(['curl', '--version'], /curl (\S+)/),
      OpenSSL: version(['openssl', 'version'], /OpenSSL (\S+)/),
      'gnutls-cli': version(['gnutls-cli', '--version'], /gnutls-cli (\S+)/),
      nginx: version(['nginx', '-v'], /nginx\/(\S+)/),
      HAProxy: version(['haproxy', '-v'], /version (\S+)/),
      Varnish: version(['varnishd', '-V'], /varnish-(\S+)/),
    };
    writeFileSync(MATRIX, renderConformance(farm.manifest, clients, reports, versions));
  });
});
