import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalogue, logMatches, statusMatches } from '../src/catalogue.js';
import { routePath } from '../src/config/common.js';
import { generateConfig } from '../src/config/index.js';
import { parseNginxLog } from '../src/verify/proxy-log.js';
import { SUITE_TIMEOUTS } from './helpers/conformance.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { freePort, proxyRequest, startNginx } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const HTTP2_IDS = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'http2')
  .map((entry) => entry.scenario.id);
const fixture = useFarm({ only: HTTP2_IDS, controlPort: null });

/**
 * The generated nginx configuration with HTTP/2 to every origin: `grpc_pass grpcs://` for `proxy_pass https://`, and
 * the TLS and timeout settings under their `grpc_` names (`proxy_*` settings do not apply to `grpc_pass`).
 */
const withGrpcPass = (config: string) =>
  config
    .replace(/proxy_pass https:\/\//g, 'grpc_pass grpcs://')
    .replace(/proxy_(ssl_\w+|connect_timeout|read_timeout|send_timeout|next_upstream) /g, 'grpc_$1 ');

test('nginx grpc_pass grpcs:// (HTTP/2 over TLS to the origin) reports expect.nginxGrpc for every HTTP/2 listener', async (t) => {
  if (!requireTool(t, 'nginx')) return;
  const { manifest } = fixture.farm;
  const port = await freePort();
  const work = tempDir('badorigin-nginx-grpc-');
  const errorLog = join(work.dir, 'error.log');
  const config = withGrpcPass(generateConfig('nginx', manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true, errorLog }));
  assert.match(config, /grpc_pass grpcs:\/\//);
  assert.doesNotMatch(config, /proxy_pass|proxy_ssl/);
  const running = await startNginx(config, work.dir, port);
  try {
    const responses = await Promise.all(manifest.listeners.map((l) => proxyRequest(port, routePath(l))));
    let text = readFileSync(errorLog, 'utf8');
    for (let i = 0, before = ''; i < 50 && text !== before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      [before, text] = [text, readFileSync(errorLog, 'utf8')];
    }
    const logs = parseNginxLog(text);
    const problems: string[] = [];
    manifest.listeners.forEach((l, i) => {
      const expected = l.expect.nginxGrpc;
      const status = responses[i]!.status;
      const log = logs.get(routePath(l))?.join('; ');
      if (!expected)
        return void problems.push(
          `${l.id}: no expect.nginxGrpc; observed ${JSON.stringify({ status: status ?? 0, log, source: 'observed' })} ${responses[i]!.error ?? ''}`,
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
