import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalogue, statusMatches } from '../src/catalogue.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { freePort, proxyRequest, startApache } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const HTTP2_IDS = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'http2')
  .map((entry) => entry.scenario.id);
const fixture = useFarm({ only: HTTP2_IDS, controlPort: null });

test('Apache httpd mod_proxy_http2 (ProxyPass h2c://) answers expect.apacheH2c for every HTTP/2 listener', async (t) => {
  if (!requireTool(t, 'apache2')) return;
  const { manifest } = fixture.farm;
  const port = await freePort();
  const work = tempDir('badorigin-apache-h2c-');
  const apache = await startApache(
    [
      'LoadModule http2_module /usr/lib/apache2/modules/mod_http2.so',
      'LoadModule proxy_http2_module /usr/lib/apache2/modules/mod_proxy_http2.so',
      'ProxyTimeout 3',
      ...manifest.listeners.map((l) => `ProxyPass /${l.id}/ h2c://127.0.0.1:${l.port}/`),
    ],
    work.dir,
    port,
  );
  try {
    const responses = await Promise.all(manifest.listeners.map((l) => proxyRequest(port, `/${l.id}/`)));
    const problems = manifest.listeners.flatMap((l, i) => {
      const expected = l.expect.apacheH2c;
      const observed = responses[i]!;
      if (!expected) return [`${l.id}: no expect.apacheH2c; observed ${JSON.stringify(observed)}`];
      return statusMatches(expected.status, observed.status)
        ? []
        : [`${l.id}: expected ${JSON.stringify(expected.status)}, observed ${JSON.stringify(observed)}`];
    });
    assert.deepEqual(problems, []);
  } finally {
    await apache.stop();
    work.remove();
  }
});
