import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routePath } from '../src/config/common.js';
import { loadCatalogue, logMatches, statusMatches } from '../src/catalogue.js';
import { caddyErrors, caddyfileH2, startCaddy } from './helpers/caddy.js';
import { SUITE_TIMEOUTS } from './helpers/conformance.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { freePort, proxyRequest } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

const HTTP2_IDS = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'http2')
  .map((entry) => entry.scenario.id);
const fixture = useFarm({ only: HTTP2_IDS, controlPort: null });

test('Caddy reverse_proxy over HTTP/2 (transport http { versions 2 }) reports expect.caddyH2 for every HTTP/2 listener', async (t) => {
  if (!requireTool(t, 'caddy')) return;
  const { manifest } = fixture.farm;
  const port = await freePort();
  const work = tempDir('badorigin-caddy-h2-');
  const running = await startCaddy(caddyfileH2(manifest.listeners, port, SUITE_TIMEOUTS.readTimeoutS), work.dir, port);
  try {
    const responses = await Promise.all(manifest.listeners.map((l) => proxyRequest(port, routePath(l))));
    const ids = manifest.listeners.map((l) => l.id);
    const failed = manifest.listeners.filter((_, i) => (responses[i]!.status ?? 0) >= 500).map((l) => l.id);
    let logs = caddyErrors(running.output(), ids);
    for (let i = 0; i < 50 && failed.some((id) => !logs.has(id)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      logs = caddyErrors(running.output(), ids);
    }
    const problems: string[] = [];
    manifest.listeners.forEach((l, i) => {
      const expected = l.expect.caddyH2;
      const status = responses[i]!.status;
      const log = logs.get(l.id);
      if (!expected)
        return void problems.push(
          `${l.id}: no expect.caddyH2; observed ${JSON.stringify({ status: status ?? 0, log, source: 'observed' })} ${responses[i]!.error ?? ''}`,
        );
      if (!statusMatches(expected.status, status) || !logMatches(expected.log, log))
        problems.push(`${l.id}: expected ${JSON.stringify(expected)}, observed ${status} ${log}`);
    });
    assert.deepEqual(problems, []);
  } finally {
    await running.stop();
    work.remove();
  }
});
