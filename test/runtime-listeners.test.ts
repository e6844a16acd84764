import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { startControl, startFarm, type Farm } from '../src/farm.js';
import type { ManifestListener } from '../src/manifest.js';
import { events } from './helpers/ledger.js';
import { curlFor, parseCurl } from './helpers/http-faults.js';
import { certsDir, useFarm } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/runtime/${name}`, import.meta.url), 'utf8');

/** A request to the control API with a raw text body; status, body text, and the body parsed as JSON. */
async function send(farm: Farm, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${farm.control!.url}${path}`, { method, body, headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

/** Asserts the control API's one error shape: one line of JSON with an `error` matching `pattern`. */
function assertError(reply: { text: string; json: Record<string, unknown> }, pattern: RegExp): void {
  assert.equal(reply.text.trimEnd().includes('\n'), false, 'one line');
  assert.match(String(reply.json.error), pattern);
}

/** Resolves with how a TCP connection to `port` ends: `refused`, or `connected` (then closed at once). */
function tryConnect(port: number): Promise<'refused' | 'connected'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve('connected')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error)));
  });
}

describe('listeners added, changed and removed while the farm runs', () => {
  const fixtureFarm = useFarm({ only: ['http-ok'] });
  const farm = () => fixtureFarm.farm;
  /** The farm listener no change involves: it must answer 200 throughout. */
  const bystanderServes = async () => {
    const observed = await nodeRequest(farm().manifest, fixtureFarm.listener('http-ok'), 5000);
    assert.deepEqual(observed, { code: null, status: 200 }, 'http-ok keeps serving');
  };

  test('POST a certificate fault: Node https sees CERT_HAS_EXPIRED; the manifest, /listeners and the event stream follow', async () => {
    const added = events(farm(), 'runtime-expired', 1, (e) => e.type === 'listener-added');
    const reply = await send(farm(), 'POST', '/listeners', fixture('expired-leaf.yaml'), { 'content-type': 'application/yaml' });
    assert.equal(reply.status, 201, reply.text);
    const entry = reply.json as unknown as ManifestListener;
    assert.equal(entry.id, 'runtime-expired');
    assert.ok(entry.port > 0);
    await added;
    assert.equal((await nodeRequest(farm().manifest, entry, 5000)).code, 'CERT_HAS_EXPIRED');
    const listed = (await send(farm(), 'GET', '/listeners')).json as unknown as { id: string; port: number }[];
    assert.ok(listed.some((l) => l.id === 'runtime-expired' && l.port === entry.port));
    const manifest = (await send(farm(), 'GET', '/manifest.json')).json as unknown as { listeners: ManifestListener[] };
    assert.deepEqual(
      manifest.listeners.find((l) => l.id === 'runtime-expired'),
      entry,
    );
    await bystanderServes();
  });

  test('PUT params on an http fault: curl sees 503, then 502', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const reply = await send(farm(), 'POST', '/listeners', fixture('origin-503.json'), { 'content-type': 'application/json' });
    assert.equal(reply.status, 201, reply.text);
    const entry = reply.json as unknown as ManifestListener;
    const curl = async () => parseCurl(await runClient(curlFor(farm().manifest, entry, '/', ['--max-time', '5']))).code;
    assert.equal(await curl(), 503);
    const changed = await send(farm(), 'PUT', '/listeners/runtime-status/params', '{"fault": "status", "defaultStatus": 502}');
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.port, entry.port);
    assert.equal(await curl(), 502);
    await bystanderServes();
  });

  test('DELETE ends a held connection and the port refuses afterwards', async () => {
    const reply = await send(farm(), 'POST', '/listeners', fixture('held-first-byte.yaml'));
    assert.equal(reply.status, 201, reply.text);
    const port = reply.json.port as number;
    const requested = events(farm(), 'runtime-held', 1, (e) => e.type === 'request');
    const held = connect({ host: '127.0.0.1', port });
    const ended = new Promise<string>((resolve) => {
      held.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      held.on('close', () => resolve('closed'));
    });
    held.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await requested;
    const removed = await send(farm(), 'DELETE', '/listeners/runtime-held');
    assert.equal(removed.status, 200, removed.text);
    assert.match(await ended, /closed|ECONNRESET/);
    assert.equal(await tryConnect(port), 'refused');
    assert.equal(
      farm().manifest.listeners.some((l) => l.id === 'runtime-held'),
      false,
    );
    assertError(await send(farm(), 'GET', '/listeners/runtime-held/attempts'), /no listener runtime-held/);
    await bystanderServes();
  });

  test('bad documents get 400 with the schema error, a taken id or a busy port 409, an unknown id 404', async () => {
    const noTitle = JSON.parse(fixture('origin-503.json')) as Record<string, unknown>;
    delete noTitle.title;
    noTitle.id = 'runtime-untitled';
    let reply = await send(farm(), 'POST', '/listeners', JSON.stringify(noTitle));
    assert.equal(reply.status, 400);
    assertError(reply, /scenario document: .*title/);
    const bomb = `id: bomb\nnote: &a "${'x'.repeat(30_000)}"\nnotes: [${Array(8000).fill('*a').join(',')}]\n`;
    reply = await send(farm(), 'POST', '/listeners', bomb);
    assert.equal(reply.status, 400);
    assertError(reply, /once its YAML aliases are expanded/);
    reply = await send(farm(), 'POST', '/listeners', 'id: [unclosed');
    assert.equal(reply.status, 400);
    assertError(reply, /not valid YAML\/JSON/);
    reply = await send(
      farm(),
      'POST',
      '/listeners',
      JSON.stringify({ ...JSON.parse(fixture('origin-503.json')), params: { fault: 'status', defaultStatus: 9000 } }),
    );
    assert.equal(reply.status, 400);
    assertError(reply, /params/);
    reply = await send(farm(), 'POST', '/listeners', fixture('origin-503.json'));
    assert.equal(reply.status, 409, 'runtime-status runs already');
    assertError(reply, /already runs a listener runtime-status/);
    const busy = { ...JSON.parse(fixture('origin-503.json')), id: 'runtime-busy' };
    reply = await send(farm(), 'POST', `/listeners?port=${fixtureFarm.listener('http-ok').port}`, JSON.stringify(busy));
    assert.equal(reply.status, 409);
    assertError(reply, /already in use/);
    assert.equal(
      farm().manifest.listeners.some((l) => l.id === 'runtime-busy'),
      false,
      'nothing of it stays',
    );
    reply = await send(farm(), 'POST', '/listeners?port=70000', JSON.stringify(busy));
    assert.equal(reply.status, 400);
    // TLS settings the schema takes but OpenSSL refuses are the document's fault too.
    const badCiphers = {
      id: 'runtime-bad-ciphers',
      offset: 0,
      family: 'protocol',
      title: 'A cipher string OpenSSL does not know',
      fault: 'None: it never starts.',
      mechanism: 'tls',
      params: { certificate: { issuer: 'farm-intermediate' }, ciphers: 'é' },
      expect: { node: { code: null }, curl: { exit: 0 } },
      sources: [],
    };
    reply = await send(farm(), 'POST', '/listeners', JSON.stringify(badCiphers));
    assert.equal(reply.status, 400);
    assertError(reply, /node:tls refuses these settings: .*invalid command/);
    reply = await send(farm(), 'PUT', '/listeners/runtime-status/params', '{"fault": "status", "defaultStatus": "x"}');
    assert.equal(reply.status, 400);
    assertError(reply, /params of runtime-status/);
    reply = await send(farm(), 'PUT', '/listeners/nope/params', '{"fault": "ok"}');
    assert.equal(reply.status, 404);
    assertError(reply, /no listener nope/);
    reply = await send(farm(), 'DELETE', '/listeners/nope');
    assert.equal(reply.status, 404);
    assertError(reply, /no listener nope/);
    await bystanderServes();
  });
});

describe('run-time changes behind a control token', () => {
  const certs = certsDir();
  let farm: Farm;
  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: ['http-ok'] });
    await startControl(farm, { token: 'sesame' });
  });
  after(async () => {
    await farm.close();
    certs.remove();
  });

  test('POST, PUT and DELETE without the token get 401 and change nothing; with it they work', async () => {
    const before = farm.manifest.listeners.map((l) => l.id);
    for (const [method, path, body] of [
      ['POST', '/listeners', fixture('origin-503.json')],
      ['PUT', '/listeners/http-ok/params', '{"fault":"ok"}'],
      ['DELETE', '/listeners/http-ok', undefined],
    ] as const) {
      const reply = await send(farm, method, path, body);
      assert.equal(reply.status, 401, `${method} ${path}`);
    }
    assert.deepEqual(
      farm.manifest.listeners.map((l) => l.id),
      before,
    );
    const reply = await send(farm, 'POST', '/listeners', fixture('origin-503.json'), { authorization: 'Bearer sesame' });
    assert.equal(reply.status, 201, reply.text);
  });

  test('the library: add, update, updateBehaviour, remove', async () => {
    await assert.rejects(farm.add(JSON.parse(fixture('origin-503.json'))), { code: 'LISTENER_EXISTS' });
    await farm.remove('runtime-status');
    const entry = await farm.add(JSON.parse(fixture('origin-503.json')), { port: 0 });
    await farm.update('runtime-status', { fault: 'status', defaultStatus: 504 });
    assert.equal((await nodeRequest(farm.manifest, entry, 5000)).status, 504);
    assert.deepEqual((await farm.updateBehaviour('runtime-status', { every: 2 })).behaviour, { every: 2 });
    assert.deepEqual(
      [(await nodeRequest(farm.manifest, entry, 5000)).status, (await nodeRequest(farm.manifest, entry, 5000)).status],
      [200, 504],
      'every 2: the control, then the fault',
    );
    await assert.rejects(farm.updateBehaviour('runtime-status', { failFirst: 1, every: 2 }), { code: 'BAD_SCENARIO' });
    await assert.rejects(farm.updateBehaviour('nope', null), { code: 'UNKNOWN_LISTENER' });
    await farm.remove('runtime-status');
    assert.equal(await tryConnect(entry.port), 'refused');
    await assert.rejects(farm.remove('runtime-status'), { code: 'UNKNOWN_LISTENER' });
    await assert.rejects(farm.add({ id: 'x' }), { code: 'BAD_SCENARIO' });
  });
});
