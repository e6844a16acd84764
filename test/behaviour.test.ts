import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { load } from 'js-yaml';
import { after, before, describe, test } from 'node:test';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { startFarm, type Farm } from '../src/farm.js';
import type { Attempt } from '../src/ledger/attempt.js';
import { chooser, type Behaviour } from '../src/listeners/behaviour.js';
import type { ManifestListener } from '../src/manifest.js';
import { certsDir, useFarm } from './helpers/farm.js';
import { events } from './helpers/ledger.js';
import { requireTool } from './helpers/tools.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/runtime/${name}`, import.meta.url), 'utf8');
const status503 = (id: string, behaviour: Behaviour) => ({ ...(JSON.parse(fixture('origin-503.json')) as object), id, behaviour });

/** A request to the control API with a JSON body (or none); status and parsed body. */
async function send(farm: Farm, method: string, path: string, body?: unknown) {
  const response = await fetch(`${farm.control!.url}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as unknown };
}

/** Status of one plain `GET /` on a fresh connection (0 when no response came). */
function statusOf(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** The behaviour each attempt of listener `id` got, oldest first. */
const behaviours = (farm: Farm, id: string) => (farm.attempts(id) ?? []).map((a: Attempt) => a.behaviour);

describe('behaviour: failFirst, every, probability, phases', () => {
  const fixtureFarm = useFarm({ only: ['http-ok'] });
  const farm = () => fixtureFarm.farm;

  test('failFirst 2 on close-after-request: curl retries twice (exit 52 twice), the third attempt gets 200; the ledger says fault, fault, control', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const reply = await fetch(`${farm().control!.url}/listeners`, {
      method: 'POST',
      body: fixture('fail-first-two.yaml'),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(reply.status, 201, await reply.clone().text());
    const entry = (await reply.json()) as ManifestListener;
    const url = `http://127.0.0.1:${entry.port}/`;
    const exits: (number | null)[] = [];
    for (let i = 0; i < 4; i++) exits.push((await runClient(['curl', '-sS', '-o', '/dev/null', '--max-time', '5', url])).exit);
    assert.deepEqual(exits, [52, 52, 0, 0]);
    assert.deepEqual(behaviours(farm(), entry.id), ['fault', 'fault', 'control', 'control']);

    assert.equal((await send(farm(), 'POST', `/listeners/${entry.id}/reset`)).status, 200);
    const since = Date.now();
    const retried = await runClient(
      [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--retry',
        '3',
        '--retry-all-errors',
        '--retry-delay',
        '1',
        '--max-time',
        '15',
        url,
      ],
      20_000,
    );
    assert.equal(retried.exit, 0, retried.stderr);
    assert.equal(retried.stdout, '200');
    assert.equal((retried.stderr.match(/\(52\) Empty reply from server/g) ?? []).length, 2, retried.stderr);
    const ledger = (await send(farm(), 'GET', `/listeners/${entry.id}/attempts?since=${since}`)).json as Attempt[];
    assert.deepEqual(
      ledger.map((a) => [a.behaviour, a.behaviourDetail]),
      [
        ['fault', 'failFirst 2: connection 1'],
        ['fault', 'failFirst 2: connection 2'],
        ['control', 'failFirst 2: connection 3'],
      ],
    );
    assert.ok(
      ledger.slice(0, 2).every((a) => a.actions.length > 0),
      'the fault acted on the first two',
    );
    assert.equal(ledger[2]!.requests.length, 1, 'the control read the third request');
  });

  test('PUT /listeners/:id/behaviour sets, changes and clears it on a running listener: curl, the ledger, the manifest, /listeners and the event stream follow', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const document: Record<string, unknown> = { ...(load(fixture('fail-first-two.yaml')) as object), id: 'late-behaviour' };
    delete document.behaviour;
    const entry = await farm().add(document);
    const url = `http://127.0.0.1:${entry.port}/`;
    const curl = async () => (await runClient(['curl', '-sS', '-o', '/dev/null', '--max-time', '5', url])).exit;
    assert.equal(await curl(), 52, 'without a behaviour every connection gets the fault');
    const changed = events(farm(), 'late-behaviour', 1, (e) => e.type === 'listener-changed');
    let reply = await send(farm(), 'PUT', '/listeners/late-behaviour/behaviour', { failFirst: 2 });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual((reply.json as ManifestListener).behaviour, { failFirst: 2 });
    assert.equal((await changed)[0]!.detail, 'behaviour {"failFirst":2}');
    const since = Date.now();
    assert.deepEqual(
      [await curl(), await curl(), await curl()],
      [52, 52, 0],
      'counted from zero: the first connection before does not count',
    );
    const ledger = (await send(farm(), 'GET', `/listeners/late-behaviour/attempts?since=${since}`)).json as Attempt[];
    assert.deepEqual(
      ledger.map((a) => `${a.behaviour} ${a.behaviourDetail}`),
      ['fault failFirst 2: connection 1', 'fault failFirst 2: connection 2', 'control failFirst 2: connection 3'],
    );
    const listed = (await send(farm(), 'GET', '/listeners')).json as { id: string; behaviour?: Behaviour }[];
    assert.deepEqual(listed.find((l) => l.id === 'late-behaviour')?.behaviour, { failFirst: 2 });

    reply = await send(farm(), 'PUT', '/listeners/late-behaviour/behaviour', { every: 0 });
    assert.equal(reply.status, 400);
    assert.match(reply.text, /^\{"error":"behaviour of late-behaviour: .*every.*\}\n?$/);
    reply = await send(farm(), 'PUT', '/listeners/nope/behaviour', { every: 2 });
    assert.equal(reply.status, 404);
    reply = await send(farm(), 'PUT', '/listeners/late-behaviour/behaviour', { every: 2 });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual([await curl(), await curl()], [0, 52], 'every 2, counted from zero again');
    reply = await send(farm(), 'DELETE', '/listeners/late-behaviour/behaviour');
    assert.equal(reply.status, 200, reply.text);
    assert.equal('behaviour' in (reply.json as object), false);
    assert.equal(
      farm().manifest.listeners.some((l) => l.id === 'late-behaviour' && l.behaviour),
      false,
    );
    assert.deepEqual([await curl(), await curl()], [52, 52], 'cleared: every connection gets the fault');
    assert.equal(farm().attempts('late-behaviour', { limit: 1 })![0]!.behaviour, undefined);
  });

  test('failFirst on a certificate fault: the first handshake fails (CERT_HAS_EXPIRED), then the control tls-ok answers', async () => {
    const document = { ...(load(fixture('expired-leaf.yaml')) as object), id: 'expired-once', behaviour: { failFirst: 1 } };
    const entry = await farm().add(document);
    assert.equal((await nodeRequest(farm().manifest, entry, 5000)).code, 'CERT_HAS_EXPIRED');
    assert.deepEqual(await nodeRequest(farm().manifest, entry, 5000), { code: null, status: 200 });
    assert.deepEqual(behaviours(farm(), 'expired-once'), ['fault', 'control']);
  });

  test('failFirst on a -tls variant the farm does not terminate: its control is tls-ok', async () => {
    const expect = { node: { code: 'ECONNRESET' }, curl: { exit: 56 } };
    const document = {
      id: 'reset-once',
      offset: 0,
      family: 'connection',
      title: 't',
      fault: 'f',
      mechanism: 'connection-fault',
      params: { fault: 'reset-on-connect' },
      behaviour: { failFirst: 1 },
      expect,
      sources: [],
      tls: { terminate: false, expect },
    };
    await farm().add(document);
    const variant = farm().manifest.listeners.find((l) => l.id === 'reset-once-tls')!;
    assert.notEqual((await nodeRequest(farm().manifest, variant, 5000)).code, null);
    assert.deepEqual(await nodeRequest(farm().manifest, variant, 5000), { code: null, status: 200 });
    assert.deepEqual(behaviours(farm(), 'reset-once-tls'), ['fault', 'control']);
  });

  test('every 3: connections 3 and 6 get the fault', async () => {
    const entry = await farm().add(status503('every-third', { every: 3 }));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await statusOf(entry.port));
    assert.deepEqual(statuses, [200, 200, 503, 200, 200, 503]);
  });

  test('phases: both the failing and the healthy phase show, and each response matches its attempt in the ledger', async () => {
    const entry = await farm().add(status503('phased', { phases: [{ failingMs: 150 }, { healthyMs: 150 }] }));
    const statuses: number[] = [];
    for (let i = 0; i < 200 && !(statuses.includes(200) && statuses.includes(503)); i++) {
      statuses.push(await statusOf(entry.port));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    assert.ok(statuses.includes(200) && statuses.includes(503), `saw ${statuses.join(' ')}`);
    assert.deepEqual(
      behaviours(farm(), 'phased'),
      statuses.map((s) => (s === 503 ? 'fault' : 'control')),
    );
  });

  test('a behaviour no control can stand in for, or out of its schema, gets 400', async () => {
    const refused = {
      id: 'refused-twice',
      offset: 0,
      family: 'connection',
      title: 't',
      fault: 'f',
      mechanism: 'refuse',
      params: {},
      behaviour: { failFirst: 2 },
      expect: { node: { code: 'ECONNREFUSED' }, curl: { exit: 7 } },
      sources: [],
    };
    let reply = await send(farm(), 'POST', '/listeners', refused);
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /owns its port|params/);
    reply = await send(farm(), 'POST', '/listeners', status503('negative', { failFirst: -1 } as Behaviour));
    assert.equal(reply.status, 400);
    assert.match(reply.text, /behaviour/);
    reply = await send(farm(), 'POST', '/listeners', {
      ...status503('two-modes', { failFirst: 1 }),
      behaviour: { failFirst: 1, every: 2 },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(await nodeRequest(farm().manifest, fixtureFarm.listener('http-ok'), 5000), { code: null, status: 200 });
  });
});

describe('probability with a seed is the same sequence in every farm', () => {
  const certs = certsDir();
  const farms: Farm[] = [];
  before(async () => {
    for (let i = 0; i < 2; i++) farms.push(await startFarm({ basePort: 0, certsDir: certs.dir, only: ['http-ok'] }));
  });
  after(async () => {
    await Promise.all(farms.map((f) => f.close()));
    certs.remove();
  });

  test('probability 0.3, seed 7: 20 requests give the same statuses in two farms, after a reset too, as the PRNG says', async () => {
    const behaviour: Behaviour = { probability: 0.3, seed: 7 };
    const expected = Array.from(
      { length: 20 },
      (
        (c) => () =>
          c.next().verdict === 'fault' ? 503 : 200
      )(chooser(behaviour)),
    );
    assert.ok(expected.includes(503) && expected.includes(200), 'seed 7 gives both within 20 draws');
    const runs: number[][] = [];
    for (const farm of farms) {
      const entry = await farm.add(status503('chance', behaviour));
      for (let round = 0; round < 2; round++) {
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) statuses.push(await statusOf(entry.port));
        runs.push(statuses);
        assert.equal(farm.reset('chance'), true);
      }
    }
    for (const run of runs) assert.deepEqual(run, expected);
  });
});

describe('the chooser', () => {
  test('phases follow the clock given, cycle after cycle', () => {
    let now = 0;
    const choose = chooser({ phases: [{ healthyMs: 100 }, { failingMs: 50 }] }, () => now);
    const at = (ms: number) => ((now = ms), choose.next().verdict);
    assert.deepEqual(
      [at(0), at(99), at(100), at(149), at(150), at(260), at(299)],
      ['control', 'control', 'fault', 'fault', 'control', 'fault', 'fault'],
    );
    choose.reset();
    assert.equal(at(310), 'control', 'reset starts the cycle over at 299');
  });

  test('failFirst 0 never fails; probability 0 and 1 are never and always', () => {
    const verdicts = (behaviour: Behaviour) =>
      Array.from(
        { length: 5 },
        (
          (c) => () =>
            c.next().verdict
        )(chooser(behaviour)),
      );
    assert.deepEqual(verdicts({ failFirst: 0 }), Array(5).fill('control'));
    assert.deepEqual(verdicts({ probability: 0, seed: 1 }), Array(5).fill('control'));
    assert.deepEqual(verdicts({ probability: 1 }), Array(5).fill('fault'));
  });
});
