import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_SCENARIOS_DIR } from '../src/catalogue.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { generateConfig } from '../src/config/index.js';
import type { ListenerEvent } from '../src/listeners/index.js';
import { SUITE_TIMEOUTS } from './helpers/conformance.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { curlFor, rawExchange } from './helpers/http-faults.js';
import { proxyDifferences } from './helpers/proxy-agreement.js';
import { freePort, proxyRequest, startNginx, startVarnish } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const ID = 'keepalive-close-on-reuse';

/** The shipped scenario, plus two variants of it (closeWith rst; idleMs 300) in a scenarios directory of their own. */
function scenariosWithVariants(): { dir: string; remove: () => void } {
  const scenarios = tempDir('badorigin-scenarios-');
  const original = readFileSync(join(DEFAULT_SCENARIOS_DIR, `${ID}.yaml`), 'utf8');
  writeFileSync(join(scenarios.dir, `${ID}.yaml`), original);
  const variant = (id: string, offset: number, param: string) =>
    original
      .replace(`id: ${ID}`, `id: ${id}`)
      .replace(/^offset: \d+/m, `offset: ${offset}`)
      .replace(`  fault: ${ID}\n`, `  fault: ${ID}\n  ${param}\n`);
  writeFileSync(join(scenarios.dir, 'keepalive-reset-on-reuse.yaml'), variant('keepalive-reset-on-reuse', 1, 'closeWith: rst'));
  writeFileSync(join(scenarios.dir, 'keepalive-idle-300.yaml'), variant('keepalive-idle-300', 2, 'idleMs: 300'));
  return scenarios;
}

/** Two GETs of `path` in turn through one pooled keep-alive connection (a 100 ms pause between): what each saw. */
async function twoOnOneConnection(
  port: number,
  path: string,
): Promise<{ status?: number; code?: string; message?: string; reused: boolean }[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<{ status?: number; code?: string; message?: string; reused: boolean }>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code, message: error.message, reused: req.reusedSocket }));
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.end();
    });
  try {
    const first = await once();
    await new Promise((r) => setTimeout(r, 100));
    return [first, await once()];
  } finally {
    agent.destroy();
  }
}

describe('keepalive-close-on-reuse: a persistent connection closed when it is reused', () => {
  const scenarios = scenariosWithVariants();
  after(scenarios.remove);
  const fixture = useFarm({ scenariosDir: scenarios.dir, controlPort: null });
  const port = (id = ID) => fixture.listener(id).port;
  /** Runs `work` and returns it with the `fault` details listener `id` reported meanwhile. */
  async function faultsDuring<T>(id: string, work: () => Promise<T>): Promise<{ value: T; faults: string[] }> {
    const faults: string[] = [];
    const onEvent = (event: ListenerEvent) => {
      if (event.listener === id && event.type === 'fault' && event.detail) faults.push(event.detail);
    };
    fixture.farm.events.on('event', onEvent);
    try {
      return { value: await work(), faults };
    } finally {
      fixture.farm.events.off('event', onEvent);
    }
  }

  test('one request per connection (the reference clients) gets a plain 200', async () => {
    for (const id of [ID, `${ID}-tls`])
      assert.deepEqual(await nodeRequest(fixture.farm.manifest, fixture.listener(id)), { code: null, status: 200 }, id);
  });

  test('on the wire: a 200 without Connection: close, then a FIN instead of the answer to a pipelined second request', async () => {
    const { value, faults } = await faultsDuring(ID, () =>
      rawExchange(port(), 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    const { data, closed } = value;
    const text = data.toString('latin1');
    assert.equal(closed, 'fin');
    assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, text);
    assert.doesNotMatch(text, /\r\nConnection:/i);
    assert.match(text, /\r\n\r\nbadorigin keepalive-close-on-reuse: the first request/);
    assert.ok(
      faults.some((f) => /then FIN on the \d+ bytes that reused it/.test(f)),
      faults.join('; '),
    );
  });

  test('Connection: close in the request is honoured; an unused connection is closed after idleMs', async () => {
    const asked = await rawExchange(port(), 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(asked.closed, 'fin');
    assert.match(asked.data.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n[^]*\r\nConnection: close\r\n/);
    const { value: idle, faults } = await faultsDuring('keepalive-idle-300', () =>
      rawExchange(port('keepalive-idle-300'), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 4000),
    );
    assert.equal(idle.closed, 'fin', 'closed by the farm well before the 4 s the client waits');
    assert.match(idle.data.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/);
    assert.deepEqual(faults, ['200 on a persistent connection; not reused within 300 ms, closed (FIN)']);
  });

  test('Node http.Agent (keepAlive): 200, then ECONNRESET on the reused socket (socket hang up; read ECONNRESET with rst)', async () => {
    assert.deepEqual(await twoOnOneConnection(port(), '/'), [
      { status: 200, reused: false },
      { code: 'ECONNRESET', message: 'socket hang up', reused: true },
    ]);
    assert.deepEqual(await twoOnOneConnection(port('keepalive-reset-on-reuse'), '/'), [
      { status: 200, reused: false },
      { code: 'ECONNRESET', message: 'read ECONNRESET', reused: true },
    ]);
  });

  test('curl, two URLs on one connection: sees it die, retries on a fresh connection, exit 0 (HTTP and TLS)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const id of [ID, `${ID}-tls`, 'keepalive-reset-on-reuse']) {
      const argv = curlFor(fixture.farm.manifest, fixture.listener(id), '/', ['-v', '-w', '%{http_code} %{num_connects}\\n']);
      const result = await runClient([...argv, '-o', '/dev/null', argv.at(-1)!]);
      assert.equal(result.exit, 0, `${id}: ${result.stderr}`);
      assert.deepEqual(result.stdout.trim().split('\n'), ['200 1', '200 1'], id);
      assert.match(result.stderr, /Re-using existing connection/, id);
      assert.match(result.stderr, /Connection died, retrying a fresh connect \(retry count: 1\)/, id);
    }
  });

  test('nginx with upstream keepalive: 502 under proxy_next_upstream off, 200 after a retry under its default', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const cases = [
      {
        id: ID,
        nextUpstream: 'off',
        second: 502,
        log: /upstream prematurely closed connection while reading response header from upstream/,
      },
      {
        id: ID,
        nextUpstream: 'error timeout',
        second: 200,
        log: /upstream prematurely closed connection while reading response header from upstream/,
      },
      {
        id: 'keepalive-reset-on-reuse',
        nextUpstream: 'off',
        second: 502,
        log: /recv\(\) failed \(104: Connection reset by peer\) while reading response header from upstream/,
      },
    ];
    for (const c of cases) {
      const work = tempDir('badorigin-nginx-');
      try {
        const listen = await freePort();
        const errorLog = join(work.dir, 'error.log');
        const config = generateConfig('nginx', fixture.farm.manifest, { ...SUITE_TIMEOUTS, listen, foreground: true, errorLog })
          .replace(/(server 127\.0\.0\.1:\d+;)/g, '$1 keepalive 4;')
          .replace('proxy_next_upstream off;', `proxy_next_upstream ${c.nextUpstream};`);
        assert.match(config, /keepalive 4;/);
        const nginx = await startNginx(config, work.dir, listen);
        const first = await proxyRequest(listen, `/${c.id}/`);
        await new Promise((r) => setTimeout(r, 100));
        const second = await proxyRequest(listen, `/${c.id}/`);
        await nginx.stop();
        assert.deepEqual([first, second], [{ status: 200 }, { status: c.second }], `${c.id}, proxy_next_upstream ${c.nextUpstream}`);
        assert.match(readFileSync(errorLog, 'utf8'), c.log, `${c.id}, proxy_next_upstream ${c.nextUpstream}`);
      } finally {
        work.remove();
      }
    }
  });

  test('Varnish reuses its backend connection, logs HTC eof and fetches again on a new one: 200 twice', async (t) => {
    if (!requireTool(t, 'varnishd') || !requireTool(t, 'varnishlog')) return;
    const work = tempDir('badorigin-varnish-');
    try {
      const listen = await freePort();
      const varnish = await startVarnish(
        generateConfig('varnish', fixture.farm.manifest, { ...SUITE_TIMEOUTS, listen, foreground: true }),
        work.dir,
        listen,
      );
      try {
        const first = await proxyRequest(listen, `/${ID}/`);
        await new Promise((r) => setTimeout(r, 100));
        const second = await proxyRequest(listen, `/${ID}/`);
        assert.deepEqual([first, second], [{ status: 200 }, { status: 200 }]);
        let log = '';
        for (let i = 0; i < 50 && !/FetchError/.test(log); i++) {
          await new Promise((r) => setTimeout(r, 100));
          log = (
            await runClient(['varnishlog', '-n', join(work.dir, 'varnish'), '-d', '-g', 'raw', '-i', 'FetchError,BackendOpen'], 10_000)
          ).stdout;
        }
        assert.match(log, /BackendOpen\s+b \d+ keepalive-close-on-reuse .* reuse\n/);
        assert.match(log, /FetchError\s+b HTC eof \(-1\)/);
      } finally {
        await varnish.stop();
      }
    } finally {
      work.remove();
    }
  });

  test('nginx, HAProxy and Varnish do what the manifest says (conformance suite request: one per connection)', async (t) => {
    for (const [proxy, differences] of await proxyDifferences(t, fixture.farm)) assert.deepEqual(differences, [], proxy);
  });
});
