import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { curlArgs } from '../src/client-commands.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { startFarm, type Farm } from '../src/farm.js';
import { loadCatalogue } from '../src/catalogue.js';
import { matchesNodeExpectation } from '../src/probe.js';
import type { ManifestListener } from '../src/manifest.js';
import { certsDir } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

const connectionIds = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'connection')
  .map((entry) => entry.scenario.id);

/** Resolves 'connected' if the TCP handshake completes within `ms`, else 'no-handshake' (or the socket's error code). */
function tcpHandshake(port: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('no-handshake');
    }, ms);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? 'error');
    });
  });
}

describe('connection faults, observed by Node and curl', () => {
  let farm: Farm;
  const certs = certsDir();
  const listener = (id: string): ManifestListener => farm.manifest.listeners.find((l) => l.id === id)!;

  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: [...connectionIds, 'tls-ok'] });
  });
  after(async () => {
    await farm?.close();
    certs.remove();
  });

  test('the catalogue has the connection scenarios, with -tls variants where they make sense', () => {
    const ids = farm.manifest.listeners.map((l) => l.id);
    for (const id of [
      'connection-refused',
      'connect-timeout',
      'reset-on-connect',
      'reset-on-connect-tls',
      'close-on-connect',
      'close-on-connect-tls',
      'close-after-request',
      'close-after-request-tls',
      'reset-mid-response',
      'reset-mid-response-tls',
      'close-during-handshake',
    ]) {
      assert.ok(ids.includes(id), `missing listener ${id}`);
    }
  });

  // connect-timeout has its own tests below (it takes the full 5 s of the reference clients).
  const quick = () => farm.manifest.listeners.filter((l) => l.family === 'connection' && l.id !== 'connect-timeout');

  test('Node sees expect.node on every listener', async () => {
    for (const l of quick()) {
      const observed = await nodeRequest(farm.manifest, l);
      assert.ok(
        matchesNodeExpectation(l.expect.node, observed),
        `${l.id}: expected ${JSON.stringify(l.expect.node)}, observed ${JSON.stringify(observed)}`,
      );
    }
  });

  test('curl exits with expect.curl on every listener', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const l of quick()) {
      const result = await runClient(curlArgs(farm.manifest, l));
      assert.ok(
        [l.expect.curl!.exit].flat().includes(result.exit!),
        `${l.id}: expected ${l.expect.curl!.exit}, got ${result.exit}: ${result.stderr}`,
      );
    }
  });

  test('reset-mid-response delivers the head and the first 1024 body bytes before the RST, over TCP and TLS', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const id of ['reset-mid-response', 'reset-mid-response-tls']) {
      const fault = farm.waitFor(id, (e) => e.type === 'fault');
      const argv = curlArgs(farm.manifest, listener(id)).map((a) => (a === '%{http_code}\\n' ? '%{http_code} %{size_download}' : a));
      const result = await runClient(argv);
      assert.equal(result.exit, 56, result.stderr);
      assert.equal(result.stdout.trim(), '200 1024', id);
      assert.match(result.stderr, /Connection reset by peer/);
      assert.equal((await fault).detail, 'RST after 1024 of 1048576 body bytes', 'the event log says which fault fired');
    }
  });

  test('close-during-handshake reads a ClientHello and never answers it (openssl s_client sees EOF, no ServerHello)', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const l = listener('close-during-handshake');
    const result = await runClient(['openssl', 's_client', '-connect', `127.0.0.1:${l.port}`, '-servername', 'localhost']);
    assert.notEqual(result.exit, 0);
    assert.match(result.stdout + result.stderr, /unexpected eof while reading|no peer certificate available/);
    assert.match(result.stdout, /SSL handshake has read 0 bytes/);
  });

  test('connect-timeout: the TCP handshake never completes; curl exits 28 with time_connect 0', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const l = listener('connect-timeout');
    assert.equal(await tcpHandshake(l.port, 1500), 'no-handshake');
    const argv = curlArgs(farm.manifest, l).map((a) => (a === '%{http_code}\\n' ? '%{time_connect}' : a));
    const result = await runClient(argv);
    assert.equal(result.exit, l.expect.curl!.exit);
    assert.equal(Number(result.stdout), 0, 'curl never connected');
    const observed = await nodeRequest(farm.manifest, l);
    assert.equal(observed.code, l.expect.node.code);
  });

  test('connect-timeout holds for 200 clients in a row while the other listeners keep answering', async () => {
    const port = listener('connect-timeout').port;
    const outcomes: string[] = [];
    const others: string[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 20 }, () => tcpHandshake(port, 300));
      const [results, ok, refused] = await Promise.all([
        Promise.all(batch),
        nodeRequest(farm.manifest, listener('tls-ok')),
        nodeRequest(farm.manifest, listener('connection-refused')),
      ]);
      outcomes.push(...results);
      others.push(String(ok.status), refused.code!);
    }
    assert.equal(outcomes.length, 200);
    assert.deepEqual([...new Set(outcomes)], ['no-handshake']);
    assert.deepEqual([...new Set(others)].sort(), ['200', 'ECONNREFUSED']);
  });
});

describe('connection-refused on a port another process holds', () => {
  let held: Server;
  before(async () => {
    held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => held.close(() => resolve())));

  test('the farm still starts, and the manifest and listener carry a warning naming the port', async (t) => {
    const certs = certsDir();
    t.after(certs.remove);
    const port = (held.address() as { port: number }).port;
    const offset = loadCatalogue().find((e) => e.scenario.id === 'connection-refused')!.scenario.offset;
    const farm = await startFarm({ basePort: port - offset, certsDir: certs.dir, only: ['connection-refused'], controlPort: null });
    t.after(() => farm.close());
    const l = farm.manifest.listeners[0]!;
    assert.equal(l.port, port);
    assert.match(l.warning ?? '', new RegExp(`port ${port} is held by another process`));
  });
});
