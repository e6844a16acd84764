import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { BOOK_BYTES_PER_CONNECTION, BOOK_CONNECTIONS_PER_LISTENER, ConnectionBook } from '../src/control/connection-book.js';
import { KEPT_STRING_CHARS } from '../src/control/bounded-event.js';
import type { ListenerEvent } from '../src/listeners/index.js';
import { clientHelloWithSni } from './helpers/client-hello.js';
import { useFarm } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

/** A ConnectionBook fed by hand, and a function that emits one event of listener `a` at time `time` (ms). */
function book() {
  const events = new EventEmitter<{ event: [ListenerEvent] }>();
  const kept = new ConnectionBook(events);
  const emit = (time: number, event: Omit<ListenerEvent, 'listener' | 'time'>, listener = 'a') => events.emit('event', { listener, time, ...event });
  return { kept, emit };
}

const hello = (sni: string) => ({ sni, version: 'TLSv1.2', supportedVersions: ['TLSv1.3'], cipherSuites: [0x1301], alpn: ['h2'], ja3: '771,4865,,,', ja3Hash: '0'.repeat(32) });

describe('connection book', () => {
  test('groups events by connection; events without a number go to the newest open connection, or to one closed just before', () => {
    const { kept, emit } = book();
    emit(0, { type: 'connection', connection: 1, peer: '127.0.0.1:1' });
    emit(1, { type: 'client-hello', clientHello: hello('one') });
    emit(2, { type: 'close', connection: 1, by: 'farm', durationMs: 2, bytesIn: 1, bytesOut: 2 });
    emit(5, { type: 'tls-error', error: 'ECONNRESET' });
    emit(10, { type: 'connection', connection: 2, peer: '127.0.0.1:2' });
    emit(11, { type: 'connection', connection: 3, peer: '127.0.0.1:3' });
    emit(12, { type: 'fault', detail: 'RST on connect' });
    emit(13, { type: 'close', connection: 2, by: 'error', durationMs: 3, bytesIn: 0, bytesOut: 0 });
    emit(14, { type: 'close', connection: 3, by: 'farm', durationMs: 3, bytesIn: 0, bytesOut: 0 });
    emit(2000, { type: 'request', detail: 'udp A example.test' });
    emit(0, { type: 'connection', connection: 4, peer: '127.0.0.1:4' }, 'b');
    const [one, two, three, query] = kept.connections('a');
    assert.deepEqual(one!.events.map((e) => e.type), ['connection', 'client-hello', 'close', 'tls-error'], 'a late TLS error belongs to the connection that just closed');
    assert.equal(one!.closed, true);
    assert.deepEqual(two!.events.map((e) => e.type), ['connection', 'close']);
    assert.deepEqual(three!.events.map((e) => e.type), ['connection', 'fault', 'close'], 'the newest open connection takes the fault');
    assert.equal(three!.inferred, true, 'and says so, since two were open');
    assert.equal(two!.inferred, false);
    assert.equal(query!.connection, null, 'an event long after every connection closed is an exchange of its own');
    assert.deepEqual(query!.events.map((e) => e.detail), ['udp A example.test']);
    assert.equal(kept.newestConnection('a'), 3);
    assert.deepEqual(kept.connections('b').map((c) => c.connection), [4]);
    kept.forget('a');
    assert.deepEqual(kept.connections('a'), []);
    kept.close();
  });

  test('keeps the newest 50 connections of a listener, a bounded number of bytes per connection, and clipped strings', () => {
    const { kept, emit } = book();
    for (let n = 1; n <= BOOK_CONNECTIONS_PER_LISTENER + 5; n++) emit(n * 1000, { type: 'connection', connection: n, peer: 'p' });
    const connections = kept.connections('a');
    assert.equal(connections.length, BOOK_CONNECTIONS_PER_LISTENER);
    assert.equal(connections[0]!.connection, 6);
    assert.equal(connections.at(-1)!.connection, BOOK_CONNECTIONS_PER_LISTENER + 5);

    emit(100_000, { type: 'connection', connection: 99, peer: 'p' });
    emit(100_001, { type: 'client-hello', clientHello: hello('s'.repeat(16_000)) });
    const sni = kept.connections('a').at(-1)!.events[1]!.clientHello!.sni!;
    assert.ok(sni.length < KEPT_STRING_CHARS + 40, `${sni.length} characters kept`);
    assert.match(sni, /… \(16000 characters\)$/);
    const many = Math.ceil(BOOK_BYTES_PER_CONNECTION / 160) + 10;
    for (let i = 0; i < many; i++) emit(100_002 + i, { type: 'fault', detail: `step ${i}` });
    emit(200_000, { type: 'close', connection: 99, by: 'client', durationMs: 1, bytesIn: 1, bytesOut: 1 });
    const last = kept.connections('a').at(-1)!;
    assert.ok(last.dropped > 0, 'later events were dropped');
    assert.equal(last.events.length + last.dropped, many + 3);
    assert.equal(last.events.at(-1)!.type, 'close', 'the close is always kept');
    kept.close();
  });
});

describe('control API: connections and Try it', () => {
  const fixture = useFarm({ only: ['cert-expired', 'connection-refused', 'tls-ok', 'dns-nxdomain'] });
  const base = () => fixture.farm.control!.url;
  const post = async (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const response = await fetch(`${base()}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test('Try it with node on cert-expired: CERT_HAS_EXPIRED, as expected, with the farm\'s view of that connection', async () => {
    const { status, body } = await post('/listeners/cert-expired/try', '{"client":"node"}');
    assert.equal(status, 200);
    const result = body.result as { observed: { code: string }; matches: boolean };
    assert.equal(result.observed.code, 'CERT_HAS_EXPIRED');
    assert.equal(result.matches, true);
    const farm = body.farm as { connection: number; closed: boolean; events: ListenerEvent[] }[];
    assert.equal(farm.length, 1);
    assert.equal(farm[0]!.closed, true);
    assert.deepEqual(farm[0]!.events.slice(0, 2).map((e) => e.type), ['connection', 'client-hello']);
    assert.equal(farm[0]!.events[1]!.clientHello!.sni, 'localhost');
    const outcomes = new Map(((await (await fetch(`${base()}/listeners`)).json()) as { id: string; outcome: string }[]).map((l) => [l.id, l.outcome]));
    assert.equal(outcomes.get('cert-expired'), 'error', 'the failed handshake counts as the error provoked');
    assert.equal(outcomes.get('connection-refused'), 'waiting', 'nothing ever reaches a refusing port');
  });

  test('Try it with openssl and dig where installed; curl on connection-refused reaches nothing on the farm', async (t) => {
    if (!requireTool(t, 'openssl') || !requireTool(t, 'curl') || !requireTool(t, 'dig')) return;
    const openssl = await post('/listeners/cert-expired/try', '{"client":"openssl"}');
    assert.deepEqual([openssl.status, (openssl.body.result as { observed: { verifyCode: number } }).observed.verifyCode], [200, 10]);
    const curl = await post('/listeners/connection-refused/try', '{"client":"curl"}');
    assert.deepEqual([(curl.body.result as { observed: { exit: number } }).observed.exit, curl.body.farm], [7, []]);
    const dig = await post('/listeners/dns-nxdomain/try', '{"client":"dig"}');
    assert.equal((dig.body.result as { observed: { status: string } }).observed.status, 'NXDOMAIN');
    assert.equal((dig.body.farm as unknown[]).length, 1);
    const clients = (await (await fetch(`${base()}/listeners/dns-nxdomain/try`)).json()) as { client: string; available: boolean }[];
    assert.deepEqual(clients.map((c) => c.client), ['node', 'dig']);
  });

  test('Try it refuses what it cannot do: unknown listener 404, bad body or client 400, a second run on the same listener 409', async () => {
    assert.equal((await post('/listeners/nope/try', '{"client":"node"}')).status, 404);
    assert.equal((await post('/listeners/tls-ok/try', '{"client":"wget"}')).status, 400);
    assert.equal((await post('/listeners/tls-ok/try', '{"client":"dig"}')).status, 400);
    assert.match(String((await post('/listeners/tls-ok/try', '{nope')).body.error), /malformed JSON body/);
    // Two runs started together on one listener: the second finds the first under way.
    const both = await Promise.all([post('/listeners/tls-ok/try', '{"client":"node"}'), post('/listeners/tls-ok/try', '{"client":"node"}')]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
  });

  test('GET /listeners/:id/connections draws on the event log: a hostile SNI comes back as data, clipped', async () => {
    const seen = fixture.farm.waitFor('tls-ok', (e) => e.type === 'close');
    const sni = `<img src=x onerror=alert(1)>${'x'.repeat(2000)}`;
    await new Promise<void>((resolve) => {
      const socket = connect(fixture.listener('tls-ok').port, '127.0.0.1', () => socket.write(clientHelloWithSni(sni)));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.setTimeout(5000, () => socket.destroy());
      socket.resume();
    });
    await seen;
    const answer = (await (await fetch(`${base()}/listeners/tls-ok/connections`)).json()) as { connections: { events: ListenerEvent[] }[] };
    const events = answer.connections.at(-1)!.events;
    const kept = events.find((e) => e.type === 'client-hello')!.clientHello!.sni!;
    assert.ok(kept.startsWith('<img src=x onerror=alert(1)>'));
    assert.ok(kept.length < 600, `${kept.length} characters`);
    assert.equal((await fetch(`${base()}/listeners/nope/connections`)).status, 404);
  });
});
