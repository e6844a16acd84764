import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routePath } from '../src/config/common.js';
import { generateConfig } from '../src/config/index.js';
import { loadCatalogue, logMatches, statusMatches } from '../src/catalogue.js';
import { SUITE_TIMEOUTS } from './helpers/conformance.js';
import { parseHaproxyLog } from '../src/verify/proxy-log.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { freePort, proxyRequest, startHaproxy } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const HTTP2_IDS = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'http2')
  .map((entry) => entry.scenario.id);
const fixture = useFarm({ only: HTTP2_IDS, controlPort: null });

/**
 * The generated HAProxy configuration with cleartext HTTP/2 (prior knowledge) to every origin: each TLS server
 * line's `ssl …` settings replaced by `proto h2`, on the same port (the listeners answer h2c there).
 */
const withH2cBackends = (config: string) => config.replace(/^(\s+server \S+ \S+) ssl .*$/gm, '$1 proto h2');

test('HAProxy with a cleartext h2 backend (server … proto h2) reports expect.haproxyH2c for every HTTP/2 listener', async (t) => {
  if (!requireTool(t, 'haproxy')) return;
  const { manifest } = fixture.farm;
  const port = await freePort();
  const work = tempDir('badorigin-haproxy-h2c-');
  const config = withH2cBackends(generateConfig('haproxy', manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true }));
  assert.match(config, / proto h2$/m);
  assert.doesNotMatch(config, / ssl /);
  const running = await startHaproxy(config, work.dir, port);
  try {
    const responses = await Promise.all(manifest.listeners.map((l) => proxyRequest(port, routePath(l))));
    const ids = manifest.listeners.map((l) => l.id);
    let logs = parseHaproxyLog(running.output(), ids);
    for (let i = 0; i < 100 && ids.some((id) => !logs.has(id)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      logs = parseHaproxyLog(running.output(), ids);
    }
    const problems: string[] = [];
    manifest.listeners.forEach((l, i) => {
      const expected = l.expect.haproxyH2c;
      const status = responses[i]!.status;
      const log = logs.get(l.id)?.join('; ');
      if (!expected)
        return void problems.push(
          `${l.id}: no expect.haproxyH2c; observed ${JSON.stringify({ status: status ?? 0, log, source: 'observed' })}`,
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
