import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_SCENARIOS_DIR } from '../src/catalogue.js';
import { startFarm, type Farm } from '../src/farm.js';
import { compare, observeProxy } from './helpers/conformance.js';
import { tempDir } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

// The conformance comparison must catch a listener whose behaviour changed while its expectations did not:
// here cert-expired serves a valid certificate, but its scenario file still expects the proxies' verify errors.
describe('conformance catches drift between a listener and its manifest entry', () => {
  const scenarios = tempDir('badorigin-scenarios-');
  const certs = tempDir();
  const dirs: (() => void)[] = [];
  let farm: Farm | undefined;
  after(async () => {
    await farm?.close();
    for (const remove of dirs) remove();
    scenarios.remove();
    certs.remove();
  });

  test('cert-expired serving a valid certificate fails the nginx and HAProxy comparisons', async (t) => {
    if (!requireTool(t, 'nginx') || !requireTool(t, 'haproxy')) return;
    cpSync(DEFAULT_SCENARIOS_DIR, scenarios.dir, { recursive: true });
    const file = join(scenarios.dir, 'cert-expired.yaml');
    const original = readFileSync(file, 'utf8');
    const changed = original.replace(/certificate: \{ issuer: farm-intermediate, notBeforeDays: -400, notAfterDays: -30 \}/, 'certificate: valid');
    assert.notEqual(changed, original, 'the fixture edit must apply');
    writeFileSync(file, changed);
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, scenariosDir: scenarios.dir, only: ['cert-expired'], controlPort: null });
    const listeners = farm.manifest.listeners;
    for (const proxy of ['nginx', 'haproxy'] as const) {
      const work = tempDir(`badorigin-${proxy}-`);
      dirs.push(work.remove);
      const differences = compare(farm.manifest, proxy, await observeProxy(proxy, farm.manifest, listeners, work.dir));
      assert.deepEqual(differences.map((d) => d.listener), ['cert-expired', 'cert-expired'], JSON.stringify(differences));
      assert.match(differences[0]!.problem, /^status: expected 50\d, observed 200/);
      assert.match(differences[1]!.problem, /^log: expected ".*certificate/);
    }
  });
});
