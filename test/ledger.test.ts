import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Check } from 'typebox/value';
import { curlArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { Attempt } from '../src/ledger/attempt.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { freePort, proxyRequest, startNginx, type RunningProxy } from './helpers/proxies.js';
import { closes, control, events } from './helpers/ledger.js';
import { requireTool } from './helpers/tools.js';

const curl = (url: string, ...args: string[]) => runClient(['curl', '-sS', '--max-time', '5', '-o', '/dev/null', ...args, url], 10_000);

/** Opens a TCP connection to 127.0.0.1:port and resolves once it ended (by either side, or a reset). */
const touch = (port: number) =>
  new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end());
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
  });

/** A GET on a connection of its own (no keep-alive), resolving once the answer was read. */
const get = (url: string, headers: Record<string, string> = {}) =>
  new Promise<void>((resolve, reject) => {
    httpGet(url, { agent: false, headers }, (response) => {
      response.resume();
      response.on('end', resolve);
    }).on('error', reject);
  });

/** The attempts the control API serves for `path` (`<id>?…`), each checked against the `Attempt` schema. */
async function served(farm: Parameters<typeof control>[0], path: string): Promise<Attempt[]> {
  const { status, json } = await control(farm, 'GET', `/listeners/${path}`);
  assert.equal(status, 200, JSON.stringify(json));
  assert.ok(Array.isArray(json));
  for (const attempt of json) assert.ok(Check(Attempt, attempt), `not an Attempt: ${JSON.stringify(attempt)}`);
  return json as Attempt[];
}

describe('attempt ledger: what the farm saw of each connection', () => {
  const fixture = useFarm({
    only: ['http-ok', 'tls-ok', 'reset-on-connect', 'tls-alert-handshake-failure', 'dns-ok', 'cert-expired', 'malformed-status-line'],
  });

  test('three curl requests are three attempts, with their request lines and header fields in order', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { farm } = fixture;
    const url = farm.url('http-ok');
    const since = Date.now();
    const closed = closes(farm, 'http-ok', 3);
    for (const path of ['a', 'b?x=1', 'c']) await curl(`${url}${path}`, '-H', 'X-Test: ledger', '-H', 'Via: 1.1 test-proxy');
    await closed;
    const attempts = await served(farm, `http-ok/attempts?since=${since}`);
    assert.equal(attempts.length, 3, JSON.stringify(attempts));
    assert.deepEqual(
      attempts.map((a) => a.requests.map((r) => `${r.method} ${r.target}`)),
      [['GET /a'], ['GET /b?x=1'], ['GET /c']],
    );
    const { port } = fixture.listener('http-ok');
    for (const attempt of attempts) {
      const names = attempt.requests[0]!.headers.map(([name]) => name);
      assert.deepEqual(names, ['host', 'user-agent', 'accept', 'x-test', 'via']);
      assert.deepEqual(attempt.requests[0]!.headers[0], ['host', `127.0.0.1:${port}`]);
      assert.deepEqual(attempt.requests[0]!.headers.slice(3), [
        ['x-test', 'ledger'],
        ['via', '1.1 test-proxy'],
      ]);
      assert.equal(attempt.listener, 'http-ok');
      assert.match(attempt.peer, /^127\.0\.0\.1:\d+$/);
      assert.ok(attempt.closedBy && attempt.closedAt! >= attempt.startedAt, JSON.stringify(attempt));
      assert.ok(attempt.bytesIn! > 50 && attempt.bytesOut! > 50, JSON.stringify(attempt));
      assert.equal(attempt.probe, undefined, 'no probe named, no window open');
    }
    assert.deepEqual(farm.attempts('http-ok', { since }), attempts, 'farm.attempts and the route agree');
  });

  test('openssl s_client -servername: the ClientHello summary records that SNI', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const { farm } = fixture;
    const { port } = fixture.listener('tls-ok');
    const since = Date.now();
    const closed = closes(farm, 'tls-ok', 1);
    await runClient(
      ['openssl', 's_client', '-connect', `127.0.0.1:${port}`, '-servername', 'sni.ledger.test', '-alpn', 'http/1.1'],
      10_000,
    );
    await closed;
    const [attempt, ...more] = await served(farm, `tls-ok/attempts?since=${since}`);
    assert.equal(more.length, 0);
    assert.equal(attempt!.clientHello?.sni, 'sni.ledger.test');
    assert.deepEqual(attempt!.clientHello?.alpn, ['http/1.1']);
    assert.match(attempt!.clientHello!.ja3Hash, /^[0-9a-f]{32}$/);
  });

  test('node https through the TLS listener: the request and its headers are recorded on the TLS attempt', async () => {
    const { farm } = fixture;
    const { port } = fixture.listener('tls-ok');
    const since = Date.now();
    const closed = closes(farm, 'tls-ok', 1);
    await new Promise<void>((resolve, reject) => {
      const options = {
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: farm.rootCaPem,
        path: '/tls/__probe/p-path',
        agent: false,
        headers: { 'cdn-loop': 'test' },
      };
      httpsRequest(options, (response) => response.resume().on('end', resolve))
        .on('error', reject)
        .end();
    });
    await closed;
    const [attempt] = await served(farm, `tls-ok/attempts?since=${since}`);
    assert.equal(attempt!.clientHello?.sni, 'localhost');
    assert.deepEqual(
      attempt!.requests.map((r) => [r.method, r.target, r.probe]),
      [['GET', '/tls/__probe/p-path', 'p-path']],
    );
    assert.ok(attempt!.requests[0]!.headers.some(([n, v]) => n === 'cdn-loop' && v === 'test'));
    assert.equal(attempt!.probe, 'p-path', 'a path suffix names the probe');
  });

  test('one re-used connection carrying the requests of two probes: each request names its own, ?probe= finds both', async () => {
    const { farm } = fixture;
    const { port } = fixture.listener('tls-ok');
    const since = Date.now();
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    const get = (probe: string) =>
      new Promise<void>((resolve, reject) => {
        const options = {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: farm.rootCaPem,
          path: '/',
          agent,
          headers: { 'x-badorigin-probe': probe },
        };
        httpsRequest(options, (response) => response.resume().on('end', resolve))
          .on('error', reject)
          .end();
      });
    await get('ka-1');
    await get('ka-2');
    const closed = closes(farm, 'tls-ok', 1);
    agent.destroy();
    await closed;
    const attempts = farm.attempts('tls-ok', { since })!;
    assert.equal(attempts.length, 1, 'one connection');
    assert.deepEqual(
      attempts[0]!.requests.map((r) => r.probe),
      ['ka-1', 'ka-2'],
    );
    assert.equal(attempts[0]!.probe, 'ka-1', 'the attempt belongs to the first probe named on it');
    assert.deepEqual(
      farm.attempts('tls-ok', { probe: 'ka-2' })!.map((a) => a.connection),
      [attempts[0]!.connection],
    );
  });

  test('curl against cert-expired: the ServerHello and the chain the farm sent, its leaf past its notAfter', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { farm } = fixture;
    const since = Date.now();
    const closed = closes(farm, 'cert-expired', 1);
    const run = await runClient(curlArgs(farm.manifest, fixture.listener('cert-expired')), 10_000);
    assert.equal(run.exit, 60, run.stderr);
    await closed;
    const [attempt, ...more] = await served(farm, `cert-expired/attempts?since=${since}`);
    assert.equal(more.length, 0);
    const hello = attempt!.serverHello!;
    assert.ok(hello, JSON.stringify(attempt));
    assert.equal(hello.version, 'TLSv1.3');
    assert.match(hello.cipher ?? '', /^TLS_(AES|CHACHA20)_/);
    assert.ok(hello.at >= attempt!.clientHelloAt!, 'sent after the ClientHello was read');
    const [leaf, issuer, ...rest] = hello.chain.certificates;
    assert.equal(rest.length, 0);
    assert.equal(hello.chain.omitted, undefined);
    assert.equal(leaf!.subject, 'localhost');
    assert.ok(leaf!.san.includes('DNS:localhost'), leaf!.san.join(', '));
    assert.equal(leaf!.issuer, issuer!.subject);
    assert.ok(Date.parse(leaf!.notAfter) < attempt!.startedAt, `notAfter ${leaf!.notAfter} is past`);
    // What the client answered is a received alert, kept apart from what the farm sent.
    const received = attempt!.actions.find((a) => a.kind === 'tls-error');
    assert.match(received?.detail ?? '', /_ALERT_CERTIFICATE_EXPIRED$/, JSON.stringify(attempt!.actions));
    assert.equal(received?.alert, undefined);
  });

  test('curl against an HTTP fault: the response head the farm wrote, status line as written, fields and bytes', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { farm } = fixture;
    const since = Date.now();
    const closed = closes(farm, 'malformed-status-line', 1);
    await curl(farm.url('malformed-status-line'));
    await closed;
    const [attempt] = await served(farm, `malformed-status-line/attempts?since=${since}`);
    const head = 'HTTP/1.1 2OO OK\r\nContent-Type: text/plain\r\nContent-Length: 32\r\nConnection: close\r\n\r\n';
    assert.deepEqual(
      attempt!.responses?.map(({ at: _at, ...rest }) => rest),
      [
        {
          statusLine: 'HTTP/1.1 2OO OK',
          headers: [
            ['Content-Type', 'text/plain'],
            ['Content-Length', '32'],
            ['Connection', 'close'],
          ],
          headBytes: head.length,
        },
      ],
    );
    assert.equal(attempt!.bytesOut, head.length + 32, 'head and body are every byte the farm sent');
    assert.ok(attempt!.responses![0]!.at >= attempt!.requests[0]!.at);
  });

  test('a reset listener: the close is recorded as the farm resetting, with its action', async () => {
    const { farm } = fixture;
    const since = Date.now();
    const closed = closes(farm, 'reset-on-connect', 1);
    await touch(fixture.listener('reset-on-connect').port);
    const [event] = await closed;
    const [attempt, ...more] = farm.attempts('reset-on-connect', { since })!;
    assert.equal(more.length, 0);
    assert.equal(attempt!.closedBy, event!.by);
    assert.ok(attempt!.closedBy === 'farm' || attempt!.closedBy === 'error', attempt!.closedBy);
    assert.ok(
      attempt!.actions.some((a) => /RST/.test(a.detail)),
      JSON.stringify(attempt!.actions),
    );
    assert.equal(attempt!.bytesOut, 0);
  });

  test('X-Badorigin-Probe marks its attempt; ?probe= returns exactly those', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { farm } = fixture;
    const closed = closes(farm, 'http-ok', 3);
    await curl(farm.url('http-ok'), '-H', 'X-Badorigin-Probe: p-header');
    await curl(`${farm.url('http-ok')}health`);
    await curl(`${farm.url('http-ok')}x/__probe/p-suffix/`);
    await closed;
    const byHeader = await served(farm, 'http-ok/attempts?probe=p-header');
    assert.deepEqual(
      byHeader.map((a) => [a.probe, a.requests[0]!.target]),
      [['p-header', '/']],
    );
    assert.deepEqual(
      (await served(farm, 'http-ok/attempts?probe=p-suffix')).map((a) => a.requests[0]!.target),
      ['/x/__probe/p-suffix/'],
    );
    assert.ok(
      farm.attempts('http-ok')!.some((a) => a.requests[0]?.target === '/health' && a.probe === undefined),
      'unrelated traffic is kept without a probe',
    );
  });

  test('health checks and unrelated requests inside a probe window are kept without the probe, never counted', async () => {
    const { farm } = fixture;
    const id = 'http-ok';
    const closed = closes(farm, id, 8);
    farm.beginProbe(id, 'w-health', { requestsNamed: true });
    await get(farm.url(id));
    await get(`${farm.url(id)}x/__probe/w-health/`, { 'X-Badorigin-Probe': 'w-health' });
    await get(`${farm.url(id)}?check=1`);
    await get(`${farm.url(id)}favicon.ico`);
    farm.endProbe(id, 'w-health');
    farm.beginProbe(id, 'w-stripped', { requestsNamed: true });
    await get(farm.url(id));
    await get(`${farm.url(id)}rewritten`);
    await get(farm.url(id));
    farm.endProbe(id, 'w-stripped');
    farm.beginProbe(id, 'w-plain');
    await get(farm.url(id));
    farm.endProbe(id, 'w-plain');
    await closed;
    const targets = async (probe: string) =>
      (await served(farm, `${id}/attempts?probe=${probe}`)).map((a) => a.requests.map((r) => r.target));
    assert.deepEqual(await targets('w-health'), [['/x/__probe/w-health/']], 'the probe names its requests: nothing else is its');
    assert.deepEqual(await targets('w-stripped'), [['/rewritten']], 'no request names the probe: the window decides, health checks aside');
    assert.deepEqual(await targets('w-plain'), [['/']], "a window whose probe does not name its requests keeps a client's GET /");
    const unattributed = farm
      .attempts(id)!
      .filter((a) => a.probe === undefined)
      .map((a) => a.requests[0]!.target);
    for (const target of ['/', '/?check=1', '/favicon.ico']) assert.ok(unattributed.includes(target), `${target} kept, without a probe`);
  });

  test('a probe window attributes a TLS fault (no request) to the probe, and nothing after it ends', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const { farm } = fixture;
    const id = 'tls-alert-handshake-failure';
    const { port } = fixture.listener(id);
    assert.deepEqual(await control(farm, 'POST', `/listeners/${id}/probes`, { probe: 'w-1' }), {
      status: 201,
      json: { id, probe: 'w-1', open: true },
    });
    const closed = closes(farm, id, 2);
    await runClient(['openssl', 's_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'], 10_000);
    await runClient(['openssl', 's_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'], 10_000);
    await closed;
    assert.deepEqual(await control(farm, 'DELETE', `/listeners/${id}/probes/w-1`), {
      status: 200,
      json: { id, probe: 'w-1', open: false },
    });
    assert.equal((await control(farm, 'DELETE', `/listeners/${id}/probes/w-1`)).status, 404, 'a window closes once');
    const after = closes(farm, id, 1);
    await touch(port);
    await after;
    const attempts = await served(farm, `${id}/attempts?probe=w-1`);
    assert.equal(attempts.length, 2, JSON.stringify(attempts));
    for (const attempt of attempts) {
      assert.ok(
        attempt.actions.some((a) => a.detail.startsWith('alert 40') && a.alert === 40 && a.kind === undefined),
        JSON.stringify(attempt.actions),
      );
      assert.equal(attempt.clientHello?.sni, 'localhost');
      assert.equal(attempt.serverHello, undefined, 'the alert answers the ClientHello: no ServerHello went out');
      assert.equal(attempt.bytesOut, 7, 'one alert record');
    }
    const all = farm.attempts(id)!;
    assert.equal(all.length, 3);
    assert.equal(all[2]!.probe, undefined, 'a connection after the window has no probe');
  });

  test('a DNS query asked with dig is an attempt with the question, transport and answer', async (t) => {
    if (!requireTool(t, 'dig')) return;
    const { farm } = fixture;
    const { port } = fixture.listener('dns-ok');
    const since = Date.now();
    const asked = events(farm, 'dns-ok', 2, (e) => e.type === 'request');
    await runClient(['dig', '@127.0.0.1', '-p', String(port), 'ok.origin.test', 'A', '+tries=1', '+time=2'], 10_000);
    await runClient(['dig', '@127.0.0.1', '-p', String(port), 'ok.origin.test', 'AAAA', '+tcp', '+tries=1', '+time=2'], 10_000);
    await asked;
    const attempts = await served(farm, `dns-ok/attempts?since=${since}`);
    assert.deepEqual(
      attempts.map((a) => a.dns && { name: a.dns.name, type: a.dns.type, transport: a.dns.transport, answer: a.dns.answer }),
      [
        { name: 'ok.origin.test', type: 'A', transport: 'udp', answer: 'NOERROR A 127.0.0.1' },
        { name: 'ok.origin.test', type: 'AAAA', transport: 'tcp', answer: 'NOERROR' },
      ],
    );
    assert.notEqual(attempts[0]!.connection, attempts[1]!.connection);
    assert.match(attempts[0]!.peer, /^127\.0\.0\.1:\d+$/);
  });

  test('an unknown listener is a 404 JSON error; a bad probe id or since is a 400', async () => {
    const { farm } = fixture;
    assert.deepEqual(await control(farm, 'GET', '/listeners/no-such/attempts'), { status: 404, json: { error: 'no listener no-such' } });
    assert.equal((await control(farm, 'POST', '/listeners/no-such/probes', { probe: 'x' })).status, 404);
    assert.equal((await control(farm, 'DELETE', '/listeners/no-such/probes/x')).status, 404);
    assert.equal((await control(farm, 'POST', '/listeners/http-ok/probes', { probe: 'a b' })).status, 400);
    assert.equal((await control(farm, 'POST', '/listeners/http-ok/probes', 'not json')).status, 400);
    assert.equal((await control(farm, 'POST', '/listeners/http-ok/probes', { probe: 'ok', requestsNamed: 'yes' })).status, 400);
    assert.equal((await control(farm, 'GET', '/listeners/http-ok/attempts?since=yesterday')).status, 400);
    assert.equal(farm.attempts('no-such'), undefined);
    assert.throws(() => farm.beginProbe('http-ok', ''), /bad probe id/);
  });
});

/** nginx in front of one upstream that lists `port` three times, retrying on errors up to 3 tries. */
function retryingNginx(dir: string, listen: number, port: number): string {
  return [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 64; }',
    'http {',
    '    access_log off;',
    // max_fails=0: a failed try must not take the server out, or the second and third would not be tried.
    `    upstream failing { ${[1, 2, 3].map(() => `server 127.0.0.1:${port} max_fails=0;`).join(' ')} }`,
    '    server {',
    `        listen 127.0.0.1:${listen};`,
    '        location / {',
    '            proxy_pass http://failing;',
    '            proxy_next_upstream error timeout;',
    '            proxy_next_upstream_tries 3;',
    '            proxy_connect_timeout 2s;',
    '            proxy_read_timeout 3s;',
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}

describe('attempt ledger: the retries of a proxy', () => {
  const fixture = useFarm({ only: ['reset-on-connect'] });
  const dir = tempDir();
  let proxy: RunningProxy | undefined;
  after(async () => {
    await proxy?.stop();
    dir.remove();
  });

  test('nginx with proxy_next_upstream_tries 3 to a resetting listener: exactly 3 attempts in the probe window', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const { farm } = fixture;
    const id = 'reset-on-connect';
    const listen = await freePort();
    proxy = await startNginx(retryingNginx(dir.dir, listen, fixture.listener(id).port), dir.dir, listen);
    assert.equal((await control(farm, 'POST', `/listeners/${id}/probes`, { probe: 'retry-1' })).status, 201);
    const closed = closes(farm, id, 3);
    const response = await proxyRequest(listen, `/${id}/__probe/retry-1`, { method: 'GET', timeoutMs: 10_000 });
    await closed;
    assert.equal((await control(farm, 'DELETE', `/listeners/${id}/probes/retry-1`)).status, 200);
    assert.equal(response.status, 502, JSON.stringify(response));
    const attempts = await served(farm, `${id}/attempts?probe=retry-1`);
    assert.equal(attempts.length, 3, JSON.stringify(attempts));
    assert.equal(new Set(attempts.map((a) => a.peer)).size, 3, 'three connections, each from its own port');
    assert.ok(
      attempts.every((a) => a.requests.length === 0 && a.actions.length === 1),
      JSON.stringify(attempts),
    );
    assert.equal(farm.attempts(id)!.length, 3, 'and no attempt outside the window');
  });
});

describe('attempt ledger bound (--ledger-size)', () => {
  const fixture = useFarm({ only: ['reset-on-connect'], ledgerSize: 5, controlPort: null });

  test('after 8 connections only the last 5 are kept', async () => {
    const { farm } = fixture;
    const closed = closes(farm, 'reset-on-connect', 8);
    const opened: number[] = [];
    const onEvent = (e: { type: string; listener: string; connection?: number }) =>
      void (e.type === 'connection' && opened.push(e.connection!));
    farm.events.on('event', onEvent);
    for (let i = 0; i < 8; i++) await touch(fixture.listener('reset-on-connect').port);
    await closed;
    farm.events.off('event', onEvent);
    assert.deepEqual(
      farm.attempts('reset-on-connect')!.map((a) => a.connection),
      opened.slice(3),
    );
  });
});

describe('attempt ledger off (--ledger-size 0)', () => {
  const fixture = useFarm({ only: ['reset-on-connect'], ledgerSize: 0, controlPort: null });

  test('keeps nothing', async () => {
    const { farm } = fixture;
    const closed = closes(farm, 'reset-on-connect', 1);
    await touch(fixture.listener('reset-on-connect').port);
    await closed;
    assert.deepEqual(farm.attempts('reset-on-connect'), []);
  });
});

describe('attempt ledger: who closed a TLS connection first', () => {
  const fixture = useFarm({ only: ['slow-first-byte', 'http-ok'], controlPort: null });

  /** A TLS connection to listener `id` that sends `head`, reads what comes, and ends (close_notify, FIN) after `endAfterMs`. */
  async function tlsExchange(id: string, head: string, endAfterMs: number): Promise<{ sentAt: number; endedAt: number }> {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: fixture.listener(id).port,
      servername: fixture.farm.manifest.hostname,
      rejectUnauthorized: false,
    });
    socket.on('error', () => undefined);
    socket.resume();
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    const sentAt = Date.now();
    socket.write(head);
    await new Promise((resolve) => setTimeout(resolve, endAfterMs));
    const endedAt = Date.now();
    socket.end();
    return { sentAt, endedAt };
  }

  test('a client ending (close_notify) 1 s into slow-first-byte-tls: closed by the client, ~1 s after its request', async () => {
    const closed = closes(fixture.farm, 'slow-first-byte-tls', 1);
    const { sentAt, endedAt } = await tlsExchange('slow-first-byte-tls', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 1_000);
    await closed;
    const [attempt] = fixture.farm.attempts('slow-first-byte-tls')!;
    assert.equal(attempt?.closedBy, 'client', JSON.stringify(attempt));
    const afterRequest = attempt.closedAt! - attempt.requests[0]!.at;
    assert.ok(Math.abs(afterRequest - (endedAt - sentAt)) <= 150, `closed ${afterRequest} ms after the request`);
  });

  test('the farm closing first on http-ok-tls (Connection: close) is still recorded as the farm', async () => {
    const closed = closes(fixture.farm, 'http-ok-tls', 1);
    await tlsExchange('http-ok-tls', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 500);
    await closed;
    const [attempt] = fixture.farm.attempts('http-ok-tls')!;
    assert.equal(attempt?.closedBy, 'farm', JSON.stringify(attempt));
  });
});
