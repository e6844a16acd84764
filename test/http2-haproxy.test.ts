import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { logMatches, loadCatalogue, statusMatches } from '../src/catalogue.js';
import { routePath } from '../src/config/common.js';
import { generateConfig } from '../src/config/index.js';
import type { Manifest } from '../src/manifest.js';
import { parseHaproxyLog } from '../src/verify/proxy-log.js';
import { verify } from '../src/verify/run.js';
import { SUITE_TIMEOUTS } from './helpers/conformance.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { freePort, proxyRequest, startHaproxy } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const HTTP2_IDS = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'http2')
  .map((entry) => entry.scenario.id);
const fixture = useFarm({ only: HTTP2_IDS, controlPort: null });

/** The generated HAProxy configuration, with HTTP/2 to every origin: `alpn h2` on each TLS server line. */
const withH2Backends = (config: string) => config.replace(/^(\s+server \S+ \S+ ssl .*)$/gm, '$1 alpn h2');

/**
 * The generated HAProxy configuration with cleartext HTTP/2 (prior knowledge) to every origin: each TLS server
 * line's `ssl …` settings replaced by `proto h2`, on the same port (the listeners answer h2c there).
 */
const withH2cBackends = (config: string) => config.replace(/^(\s+server \S+ \S+) ssl .*$/gm, '$1 proto h2');

/**
 * Every listener of `manifest` through HAProxy running `config`, compared with `expect[key]` (status and log line):
 * one line per listener whose expectation is missing or differs.
 */
async function haproxyProblems(manifest: Manifest, config: string, port: number, key: 'haproxyH2' | 'haproxyH2c'): Promise<string[]> {
  const work = tempDir(`badorigin-${key}-`);
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
      const expected = l.expect[key];
      const status = responses[i]!.status;
      const log = logs.get(l.id)?.join('; ');
      if (!expected)
        return void problems.push(
          `${l.id}: no expect.${key}; observed ${JSON.stringify({ status: status ?? 0, log, source: 'observed' })}`,
        );
      if (!statusMatches(expected.status, status) || !logMatches(expected.log, log))
        problems.push(`${l.id}: expected ${JSON.stringify(expected)}, observed ${status} ${log}`);
    });
    return problems;
  } finally {
    await running.stop();
    work.remove();
  }
}

test('HAProxy with an h2 backend (server … ssl alpn h2) reports expect.haproxyH2 for every HTTP/2 listener', async (t) => {
  if (!requireTool(t, 'haproxy')) return;
  const { manifest } = fixture.farm;
  const port = await freePort();
  const config = withH2Backends(generateConfig('haproxy', manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true }));
  assert.match(config, /alpn h2$/m);
  assert.deepEqual(await haproxyProblems(manifest, config, port, 'haproxyH2'), []);
});

test('HAProxy with a cleartext h2 backend (server … proto h2) reports expect.haproxyH2c for every HTTP/2 listener', async (t) => {
  if (!requireTool(t, 'haproxy')) return;
  const { manifest } = fixture.farm;
  const port = await freePort();
  const config = withH2cBackends(generateConfig('haproxy', manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true }));
  assert.match(config, / proto h2$/m);
  assert.doesNotMatch(config, / ssl /);
  assert.deepEqual(await haproxyProblems(manifest, config, port, 'haproxyH2c'), []);
});

test('verify --expect haproxyH2 with --proxy-log through HAProxy with h2 backends: every HTTP/2 listener matches, log included', async (t) => {
  if (!requireTool(t, 'haproxy')) return;
  const { manifest } = fixture.farm;
  const port = await freePort();
  const config = withH2Backends(generateConfig('haproxy', manifest, { ...SUITE_TIMEOUTS, listen: port, foreground: true }));
  const work = tempDir('badorigin-verify-haproxyH2-');
  const logFile = join(work.dir, 'haproxy.log');
  const running = await startHaproxy(config, work.dir, port, logFile);
  try {
    const report = await verify({
      via: `http://127.0.0.1:${port}`,
      farmObject: fixture.farm,
      expect: 'haproxyH2',
      proxyLog: logFile,
      readTimeout: SUITE_TIMEOUTS.readTimeoutS,
    });
    const mismatches = report.listeners
      .filter((l) => l.verdict.result !== 'match')
      .map((l) => `${l.id}: ${l.verdict.result} ${JSON.stringify(l.verdict.checks)}`);
    assert.deepEqual(mismatches, []);
    const logged = report.listeners.filter((l) => l.verdict.checks.some((c) => c.field === 'log' && c.expected !== null));
    assert.ok(logged.length > 0, 'some expect.haproxyH2 names a log line, and it was judged');
  } finally {
    await running.stop();
    work.remove();
  }
});
