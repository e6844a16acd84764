import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import type { Attempt } from '../src/ledger/attempt.js';
import { clientHelloWithSni } from './helpers/client-hello.js';
import { useFarm } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

describe('control API: Try it and the wire, from the attempt ledger', () => {
  // A ledger that keeps every attempt: the concurrent client below makes thousands, and the run's must not age out.
  const fixture = useFarm({ only: ['cert-expired', 'connection-refused', 'tls-ok', 'dns-nxdomain'], ledgerSize: 100_000 });
  const base = () => fixture.farm.control!.url;
  const post = async (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const response = await fetch(`${base()}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test("Try it with node on cert-expired: CERT_HAS_EXPIRED, as expected, with the farm's view of that connection", async () => {
    const { status, body } = await post('/listeners/cert-expired/try', '{"client":"node"}');
    assert.equal(status, 200);
    const result = body.result as { observed: { code: string }; matches: boolean };
    assert.equal(result.observed.code, 'CERT_HAS_EXPIRED');
    assert.equal(result.matches, true);
    const farm = body.farm as Attempt[];
    assert.equal(body.attribution, 'source-port');
    assert.equal(farm.length, 1);
    assert.equal(farm[0]!.probe, body.probe, "the run's probe window marks its attempt in the ledger");
    assert.ok(farm[0]!.closedAt !== undefined);
    assert.equal(farm[0]!.clientHello!.sni, 'localhost');
    assert.ok(
      farm[0]!.actions.some((a) => a.kind === 'tls-error'),
      JSON.stringify(farm[0]!.actions),
    );
    const ledger = (await (await fetch(`${base()}/listeners/cert-expired/attempts?probe=${String(body.probe)}`)).json()) as Attempt[];
    assert.deepEqual(
      ledger.map((a) => a.connection),
      [farm[0]!.connection],
      'the same attempt as the ledger route serves',
    );
    const outcomes = new Map(
      ((await (await fetch(`${base()}/listeners`)).json()) as { id: string; outcome: string }[]).map((l) => [l.id, l.outcome]),
    );
    assert.equal(outcomes.get('cert-expired'), 'error', 'the failed handshake counts as the error provoked');
    assert.equal(outcomes.get('connection-refused'), 'waiting', 'nothing ever reaches a refusing port');
  });

  test('Try it with openssl and dig where installed; curl on connection-refused reaches nothing on the farm', async (t) => {
    if (!requireTool(t, 'openssl') || !requireTool(t, 'curl') || !requireTool(t, 'dig')) return;
    const openssl = await post('/listeners/cert-expired/try', '{"client":"openssl"}');
    assert.deepEqual([openssl.status, (openssl.body.result as { observed: { verifyCode: number } }).observed.verifyCode], [200, 10]);
    assert.match(String((openssl.body.result as { command: string }).command), / -bind 127\.0\.0\.1:\d+ /);
    assert.deepEqual([openssl.body.attribution, (openssl.body.farm as Attempt[]).length], ['source-port', 1]);
    const curl = await post('/listeners/connection-refused/try', '{"client":"curl"}');
    assert.deepEqual([(curl.body.result as { observed: { exit: number } }).observed.exit, curl.body.farm], [7, []]);
    const dig = await post('/listeners/dns-nxdomain/try', '{"client":"dig"}');
    assert.equal((dig.body.result as { observed: { status: string } }).observed.status, 'NXDOMAIN');
    assert.equal(dig.body.attribution, 'source-port');
    const [query] = dig.body.farm as Attempt[];
    assert.deepEqual([(dig.body.farm as Attempt[]).length, query!.dns?.name], [1, fixture.listener('dns-nxdomain').query?.name]);
    const clients = (await (await fetch(`${base()}/listeners/dns-nxdomain/try`)).json()) as { client: string; available: boolean }[];
    assert.deepEqual(
      clients.map((c) => c.client),
      ['node', 'dig'],
    );
  });

  test('Try it refuses what it cannot do: unknown listener 404, bad body or client 400, a second run on the same listener 409', async () => {
    assert.equal((await post('/listeners/nope/try', '{"client":"node"}')).status, 404);
    assert.equal((await post('/listeners/tls-ok/try', '{"client":"wget"}')).status, 400);
    assert.equal((await post('/listeners/tls-ok/try', '{"client":"dig"}')).status, 400);
    assert.match(String((await post('/listeners/tls-ok/try', '{nope')).body.error), /malformed JSON body/);
    // Two runs started together on one listener: the second finds the first under way.
    const both = await Promise.all([
      post('/listeners/tls-ok/try', '{"client":"node"}'),
      post('/listeners/tls-ok/try', '{"client":"node"}'),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
  });

  test('Try it lists only its own connection while another client hits the same listener', async () => {
    let stop = false;
    let others = 0;
    const deadline = Date.now() + 20_000;
    const hammer = (async () => {
      while (!stop && Date.now() < deadline) {
        others++;
        await new Promise<void>((resolve) => {
          const socket = connect(fixture.listener('tls-ok').port, '127.0.0.1', () => socket.end());
          socket.on('close', () => resolve());
          socket.on('error', () => resolve());
          socket.setTimeout(5000, () => socket.destroy());
          socket.resume();
        });
      }
    })();
    const { status, body } = await post('/listeners/tls-ok/try', '{"client":"node"}');
    stop = true;
    await hammer;
    assert.equal(status, 200);
    const farm = body.farm as Attempt[];
    const windowed = (await (await fetch(`${base()}/listeners/tls-ok/attempts?probe=${String(body.probe)}`)).json()) as Attempt[];
    assert.ok(windowed.length > 1, `the other client connected ${others} times, ${windowed.length} inside the run's window`);
    assert.equal(farm.length, 1, JSON.stringify(farm.map((a) => a.peer)));
    assert.equal(farm[0]!.requests[0]?.target, '/', "the node client's own request");
  });

  test('GET /listeners/:id/attempts?limit= gives the newest attempts the diagrams draw: a hostile SNI comes back as data', async () => {
    const seen = fixture.farm.waitFor('tls-ok', (e) => e.type === 'close');
    const sni = `<img src=x onerror=alert(1)>${'x'.repeat(200)}`;
    await new Promise<void>((resolve) => {
      const socket = connect(fixture.listener('tls-ok').port, '127.0.0.1', () => socket.write(clientHelloWithSni(sni)));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.setTimeout(5000, () => socket.destroy());
      socket.resume();
    });
    await seen;
    const all = (await (await fetch(`${base()}/listeners/tls-ok/attempts`)).json()) as Attempt[];
    const newest = (await (await fetch(`${base()}/listeners/tls-ok/attempts?limit=2`)).json()) as Attempt[];
    assert.deepEqual(
      newest.map((a) => a.connection),
      all.slice(-2).map((a) => a.connection),
    );
    assert.equal(newest.at(-1)!.clientHello!.sni, sni);
    assert.equal((await fetch(`${base()}/listeners/tls-ok/attempts?limit=0`)).status, 400);
    assert.equal((await fetch(`${base()}/listeners/tls-ok/connections`)).status, 404, 'one store of connections: the ledger');
  });
});
