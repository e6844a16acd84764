import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BadoriginClient, ControlApiError, type StreamedEvent } from '../src/client/index.js';
import { runClient } from '../src/clients/run-client.js';
import { useFarm } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

const failFirstTwo = readFileSync(new URL('./fixtures/runtime/fail-first-two.yaml', import.meta.url), 'utf8');

describe('badorigin/client against a running farm', () => {
  const fixture = useFarm({ only: ['http-ok'] });
  const client = () => new BadoriginClient(`${fixture.farm.control!.url}/`);

  test('add a listener failing the first two requests, curl exits 52, 52, 0, the ledger and the event stream say so; errors are ControlApiError', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const api = client();
    assert.deepEqual(
      (await api.manifest()).listeners.map((l) => l.id),
      ['http-ok', 'http-ok-tls'],
    );
    const entry = await api.add(failFirstTwo);
    assert.deepEqual(entry.behaviour, { failFirst: 2 });
    assert.ok((await api.listeners()).some((l) => l.id === entry.id && l.port === entry.port && l.connections === 0));
    const curl = async () =>
      (await runClient(['curl', '-sS', '-o', '/dev/null', '--max-time', '5', `http://127.0.0.1:${entry.port}/`])).exit;
    assert.deepEqual([await curl(), await curl(), await curl()], [52, 52, 0]);
    assert.deepEqual(
      (await api.attempts(entry.id, { limit: 3 })).map((a) => a.behaviour),
      ['fault', 'fault', 'control'],
    );

    assert.equal(await api.reset(entry.id), true);
    await api.beginProbe(entry.id, 'retry-check');
    assert.equal(await curl(), 52, 'counted from zero after the reset');
    await api.endProbe(entry.id, 'retry-check');
    assert.deepEqual(
      (await api.attempts(entry.id, { probe: 'retry-check' })).map((a) => a.behaviourDetail),
      ['failFirst 2: connection 1'],
    );
    assert.deepEqual((await api.updateBehaviour(entry.id, { every: 2 })).behaviour, { every: 2 });
    assert.equal((await api.updateBehaviour(entry.id, null)).behaviour, undefined);
    assert.equal((await api.updateParams(entry.id, { fault: 'reset-on-connect' })).id, entry.id);

    const rejected = await api.add(failFirstTwo).catch((error: unknown) => error);
    assert.ok(rejected instanceof ControlApiError);
    assert.equal(rejected.status, 409);
    assert.equal(rejected.message, 'the farm already runs a listener runtime-fail-first: DELETE it first or give the scenario another id');
    await assert.rejects(api.attempts('nope'), { name: 'ControlApiError', status: 404, message: 'no listener nope' });
    await assert.rejects(api.updateBehaviour(entry.id, { failFirst: -1 }), { status: 400, message: /^behaviour of runtime-fail-first: / });
    assert.equal(await api.latestVerifyReport(), null);
    await api.remove(entry.id);
    // The farm's recent events, replayed: the stream ends here by the loop's break.
    const seen: StreamedEvent[] = [];
    for await (const message of api.events({ listener: entry.id, replay: true, signal: AbortSignal.timeout(10_000) })) {
      seen.push(message);
      if (message.event.type === 'listener-removed') break;
    }
    assert.deepEqual(
      seen.map((m) => m.event.type).filter((type) => type.startsWith('listener-') || type === 'behaviour'),
      [
        'listener-added',
        'behaviour',
        'behaviour',
        'behaviour',
        'behaviour',
        'listener-changed',
        'listener-changed',
        'listener-changed',
        'listener-removed',
      ],
    );
    assert.equal(seen.find((m) => m.event.type === 'listener-added')?.stats?.connections, 0);
  });
});
