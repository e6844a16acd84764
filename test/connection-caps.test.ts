import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, describe, test } from 'node:test';
import { resolveSettings, type Farm } from '../src/farm.js';
import { handshakeTimeoutDetail, headTimeoutDetail } from '../src/listeners/caps.js';
import { ConnectionBudget, budgetForFdLimit, readFdLimit } from '../src/listeners/connection-budget.js';
import { tlsRecordEnd } from '../src/tls/records.js';
import type { ListenerEvent } from '../src/listeners/index.js';
import { CLI_ARGV, startFarmProcess } from './helpers/cli.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

/** How much later than its timeout a connection may close on a loaded 2-core machine, in ms. */
const SLACK_MS = 4000;

function portOf(farm: Farm, id: string): number {
  const listener = farm.manifest.listeners.find((l) => l.id === id);
  assert.ok(listener, `the farm runs ${id}`);
  return listener.port;
}

/** A TCP connection to 127.0.0.1:port, once connected. */
function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A completed TLS handshake with a listener (the farm's certificates are not checked: only timing matters here). */
function openTls(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Ms from `since` (performance.now()) until `socket` closes; rejects when it is still open after `limitMs`. */
function closedAfter(socket: Socket, since: number, limitMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.on('error', () => undefined);
    socket.resume();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${limitMs} ms`));
    }, limitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - since);
    });
  });
}

/** Writes `bytes` and collects everything the listener sends until it closes: the text and the ms it took. */
function exchange(socket: Socket, bytes: string, limitMs = 8000): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const closed = closedAfter(socket, started, limitMs);
  socket.write(bytes);
  return closed.then((ms) => ({ text, ms }));
}

/** The first TLS record a real client (node:tls) sends: its ClientHello, with SNI `localhost`. */
async function realClientHello(): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<Buffer>((resolve) => {
      server.once('connection', (socket) => {
        let buffer = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk]);
          const end = tlsRecordEnd(buffer);
          if (end === null) return;
          resolve(buffer.subarray(0, end));
          socket.destroy();
        });
      });
      const client = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost' });
      client.on('error', () => undefined);
    });
  } finally {
    server.close();
  }
}

describe('--head-timeout-ms: every listener that reads a request closes a connection without a complete head', () => {
  const HEAD_MS = 800;
  const fixture = useFarm({
    only: ['tls-ok', 'http-ok', 'close-after-request', 'plaintext-on-tls'],
    controlPort: null,
    headTimeoutMs: HEAD_MS,
  });
  const partial = 'GET / HTTP/1.1\r\nHost: localhost\r\nX-Partial: ';

  const expectHeadTimeout = async (id: string, open: (port: number) => Promise<Socket>, send: string) => {
    const fault = fixture.farm.waitFor(id, (e) => e.type === 'fault' && e.detail === headTimeoutDetail(HEAD_MS), HEAD_MS + SLACK_MS);
    const socket = await open(portOf(fixture.farm, id));
    const since = performance.now();
    if (send) socket.write(send);
    const ms = await closedAfter(socket, since, HEAD_MS + SLACK_MS);
    await fault;
    // The farm's deadline starts before the client sees its connection ready, so it may close a little early here.
    assert.ok(ms >= HEAD_MS - 200, `closed after ${Math.round(ms)} ms, before the ${HEAD_MS} ms head timeout`);
  };

  for (const id of ['tls-ok', 'http-ok-tls', 'close-after-request-tls']) {
    test(`${id}: a partial head after a completed TLS handshake is closed within the head timeout`, () =>
      expectHeadTimeout(id, openTls, partial));
  }
  test('tls-ok: nothing at all after the handshake is closed within the head timeout', () => expectHeadTimeout('tls-ok', openTls, ''));
  for (const id of ['http-ok', 'close-after-request', 'plaintext-on-tls']) {
    test(`${id}: a partial head on plain TCP is closed within the head timeout`, () => expectHeadTimeout(id, openTcp, partial));
  }

  test('tls-ok: on a kept-alive connection the next head has the same timeout, counted from the end of the response', async () => {
    const socket = await openTls(portOf(fixture.farm, 'tls-ok'));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    for (let i = 0; i < 100 && !text.includes('you got through\n'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /connection: keep-alive/i);
    const fault = fixture.farm.waitFor('tls-ok', (e) => e.type === 'fault' && e.detail === headTimeoutDetail(HEAD_MS), HEAD_MS + SLACK_MS);
    const since = performance.now();
    socket.write(partial);
    const ms = await closedAfter(socket, since, HEAD_MS + SLACK_MS);
    await fault;
    assert.ok(ms >= HEAD_MS - 200, `closed after ${Math.round(ms)} ms`);
  });

  test('a complete request within the timeout is still answered', async () => {
    const answer = await exchange(await openTls(portOf(fixture.farm, 'http-ok-tls')), 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.match(answer.text, /^HTTP\/1\.1 200 OK\r\n/);
  });
});

describe('--handshake-timeout-ms: every TLS listener closes a handshake that does not complete', () => {
  const HANDSHAKE_MS = 800;
  const fixture = useFarm({
    only: ['tls-ok', 'http-ok', 'rc4-only', 'tls-alert-internal-error', 'close-during-handshake'],
    controlPort: null,
    handshakeTimeoutMs: HANDSHAKE_MS,
  });
  let hello: Buffer;

  const expectHandshakeTimeout = async (id: string, send: () => Promise<Buffer>) => {
    const fault = fixture.farm.waitFor(
      id,
      (e) => e.type === 'fault' && e.detail === handshakeTimeoutDetail(HANDSHAKE_MS),
      HANDSHAKE_MS + SLACK_MS,
    );
    const bytes = await send();
    const since = performance.now();
    const socket = await openTcp(portOf(fixture.farm, id));
    if (bytes.length) socket.write(bytes);
    const ms = await closedAfter(socket, since, HANDSHAKE_MS + SLACK_MS);
    await fault;
    assert.ok(ms >= HANDSHAKE_MS - 50, `closed after ${Math.round(ms)} ms, before the ${HANDSHAKE_MS} ms handshake timeout`);
  };
  const clientHello = async () => (hello ??= await realClientHello());

  for (const id of ['tls-ok', 'http-ok-tls']) {
    test(`${id}: a ClientHello followed by silence is closed within the handshake timeout`, () => expectHandshakeTimeout(id, clientHello));
  }
  for (const id of ['tls-ok', 'rc4-only', 'tls-alert-internal-error', 'close-during-handshake']) {
    test(`${id}: half a ClientHello record is closed within the handshake timeout`, () =>
      expectHandshakeTimeout(id, async () => (await clientHello()).subarray(0, 40)));
  }
  test('rc4-only: a connection that sends nothing is closed within the handshake timeout', () =>
    expectHandshakeTimeout('rc4-only', async () => Buffer.alloc(0)));

  test('tls-ok: a client that completes the handshake is not cut off by it', async () => {
    const socket = await openTls(portOf(fixture.farm, 'tls-ok'));
    await new Promise((resolve) => setTimeout(resolve, HANDSHAKE_MS + 300));
    const answer = await exchange(socket, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.match(answer.text, /^HTTP\/1\.1 200 OK\r\n/);
  });
});

describe('request heads with bare LF line endings get a 400 at once', () => {
  // The default head timeout (10 s): an answer well before it shows the listener did not wait for the head to end.
  const fixture = useFarm({ only: ['tls-ok', 'http-ok'], controlPort: null });
  const cases: [string, (port: number) => Promise<Socket>][] = [
    ['http-ok', openTcp],
    ['http-ok-tls', openTls],
    ['tls-ok', openTls],
  ];
  for (const [id, open] of cases) {
    test(`${id}: bare LF heads (complete or not) get 400 within 2 s; the same head with CRLF gets 200`, async () => {
      const port = portOf(fixture.farm, id);
      for (const head of [
        'GET / HTTP/1.1\nHost: localhost\n\n',
        'GET / HTTP/1.1\nHost: localhost\n',
        'GET / HTTP/1.1\r\nHost: localhost\nX-A: b\r\n',
      ]) {
        const answer = await exchange(await open(port), head);
        assert.match(answer.text, /^HTTP\/1\.1 400 /, JSON.stringify(head));
        assert.ok(answer.ms < 2000, `${JSON.stringify(head)}: answered after ${Math.round(answer.ms)} ms`);
      }
      const ok = await exchange(await open(port), 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      assert.match(ok.text, /^HTTP\/1\.1 200 OK\r\n/);
    });
  }
});

describe('--max-open-connections: one flooded listener leaves the others and the control API reachable', () => {
  const BUDGET = 40;
  const PER_LISTENER = BUDGET - BUDGET / 10;
  const fixture = useFarm({ only: ['connection-hold', 'http-ok'], maxOpenConnections: BUDGET, handshakeTimeoutMs: 60_000 });
  const held: Socket[] = [];
  after(() => held.forEach((s) => s.destroy()));

  /** The status line of a `Connection: close` GET to 127.0.0.1:port, or the error code. */
  const get = async (port: number, path = '/'): Promise<string> => {
    try {
      const answer = await exchange(await openTcp(port), `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      return answer.text.split('\r\n')[0]!;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code ?? String(error);
    }
  };
  const controlPort = () => Number(new URL(fixture.farm.control!.url).port);

  /** Opens `count` connections to listener `id`; resolves once the farm has accepted or reset each one. */
  const open = async (id: string, count: number): Promise<{ accepted: Socket[]; reset: number; faults: ListenerEvent[] }> => {
    const faults: ListenerEvent[] = [];
    let connections = 0;
    const onEvent = (event: ListenerEvent) => {
      if (event.listener !== id) return;
      if (event.type === 'connection') connections += 1;
      if (event.type === 'fault' && /^cap: /.test(event.detail ?? '')) faults.push(event);
    };
    fixture.farm.events.on('event', onEvent);
    const sockets: Socket[] = [];
    // A reset can arrive before the client has seen its connection complete: then connect itself fails.
    let resetOnConnect = 0;
    const reset = new Set<Socket>();
    for (let i = 0; i < count; i++) {
      const socket = await openTcp(portOf(fixture.farm, id)).catch(() => null);
      if (!socket) {
        resetOnConnect += 1;
        continue;
      }
      socket.on('error', () => reset.add(socket));
      socket.on('close', () => reset.add(socket));
      sockets.push(socket);
    }
    for (let i = 0; i < 100 && connections + reset.size + resetOnConnect < count; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    // The summary of the hits after the first comes at the end of the reporter's 1 s window.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    fixture.farm.events.off('event', onEvent);
    const accepted = sockets.filter((s) => !reset.has(s));
    held.push(...accepted);
    return { accepted, reset: reset.size + resetOnConnect, faults };
  };

  /** Hits reported by rate-limited cap events: 1 for the first, N for `(N more in the last … ms)`. */
  const hits = (faults: ListenerEvent[]) =>
    faults.reduce((sum, e) => sum + Number(/\((\d+) more in the last \d+ ms\)$/.exec(e.detail!)?.[1] ?? 1), 0);

  test('the per-listener cap (nine tenths of the budget by default) stops the flood; other listeners and the control API still answer', async () => {
    assert.equal(fixture.farm.settings.caps.maxConnections, PER_LISTENER);
    const { accepted, reset, faults } = await open('connection-hold', PER_LISTENER + 10);
    assert.equal(accepted.length, PER_LISTENER);
    assert.equal(reset, 10);
    const detail = `cap: ${PER_LISTENER} connections open, reset a new one (--max-connections)`;
    assert.ok(
      faults.every((e) => e.detail!.startsWith(detail)),
      JSON.stringify(faults),
    );
    assert.equal(hits(faults), 10, 'every reset is counted');
    assert.ok(faults.length < 10, `rate-limited: ${faults.length} events for 10 resets`);
    assert.equal(await get(portOf(fixture.farm, 'http-ok')), 'HTTP/1.1 200 OK');
    assert.equal(await get(controlPort(), '/healthz'), 'HTTP/1.1 200 OK');
  });

  test('the farm-wide budget stops a second flood; the control API still answers, and the farm recovers', async () => {
    const { accepted, reset, faults } = await open('connection-hold-tls', BUDGET - PER_LISTENER + 5);
    assert.equal(accepted.length, BUDGET - PER_LISTENER);
    assert.equal(reset, 5);
    const detail = `cap: ${BUDGET} connections open farm-wide, reset a new one (--max-open-connections)`;
    assert.equal(new ConnectionBudget(BUDGET).exhaustedDetail, detail);
    assert.ok(faults.length > 0 && faults.every((e) => e.detail!.startsWith(detail)), JSON.stringify(faults));
    assert.equal(hits(faults), 5);
    const refused = fixture.farm.waitFor('http-ok', (e) => e.type === 'fault' && e.detail === detail);
    assert.match(await get(portOf(fixture.farm, 'http-ok')), /^(ECONNRESET|EPIPE|)$/);
    await refused;
    assert.equal(await get(controlPort(), '/healthz'), 'HTTP/1.1 200 OK');
    held.splice(0).forEach((s) => s.destroy());
    let status = '';
    for (let i = 0; i < 50 && status !== 'HTTP/1.1 200 OK'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await get(portOf(fixture.farm, 'http-ok'));
    }
    assert.equal(status, 'HTTP/1.1 200 OK', 'the budget is given back as connections close');
  });
});

describe('the budget follows RLIMIT_NOFILE', () => {
  test('readFdLimit reads this process limit, which Node has raised to the hard limit', () => {
    const limits = readFileSync('/proc/self/limits', 'latin1');
    const [, soft, hard] = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits)!;
    assert.equal(soft, hard);
    assert.equal(readFdLimit(), soft === 'unlimited' ? Infinity : Number(soft));
    assert.equal(readFdLimit('/nonexistent/limits'), null);
    assert.equal(budgetForFdLimit(20_000), 20_000 - 1024);
    assert.equal(budgetForFdLimit(1024), 512);
  });

  test('--max-open-connections is clamped to what the limit allows, --max-connections to it; bad values are refused', () => {
    const ceiling = budgetForFdLimit(readFdLimit()!);
    const high = resolveSettings({ maxOpenConnections: ceiling + 1 });
    assert.equal(high.maxOpenConnections, ceiling);
    assert.match(high.notices.join('\n'), new RegExp(`^--max-open-connections ${ceiling + 1} lowered to ${ceiling}: RLIMIT_NOFILE is `));
    const low = resolveSettings({ maxOpenConnections: 50, maxConnections: 80 });
    assert.equal(low.caps.maxConnections, 50);
    assert.match(low.notices.join('\n'), /^--max-connections 80 lowered to the farm-wide --max-open-connections 50$/);
    assert.equal(resolveSettings({ maxOpenConnections: 50 }).caps.maxConnections, 45);
    assert.equal(resolveSettings({}).caps.maxConnections, Math.min(20_000, ceiling - Math.ceil(ceiling / 10)));
    for (const flag of ['maxOpenConnections', 'headTimeoutMs', 'handshakeTimeoutMs'] as const) {
      assert.throws(() => resolveSettings({ [flag]: 0 }), /must be a positive whole number, not 0/);
    }
  });

  test('a farm under a 300-descriptor limit: flooded listeners leave the other listeners and the control API reachable, and are logged', async (t) => {
    if (!requireTool(t, 'prlimit')) return;
    const dir = tempDir();
    t.after(() => dir.remove());
    const log = join(dir.dir, 'events.log');
    const manifestFile = join(dir.dir, 'manifest.json');
    const { child } = await startFarmProcess([
      'prlimit',
      '--nofile=300:300',
      ...CLI_ARGV,
      'serve',
      '--base-port',
      '0',
      '--only',
      'connection-hold,http-ok',
      '--certs-dir',
      join(dir.dir, 'certs'),
      '--log-file',
      log,
      '--manifest-out',
      manifestFile,
    ]);
    t.after(() => child.kill('SIGKILL'));
    const childLimits = readFileSync(`/proc/${child.pid}/limits`, 'latin1');
    assert.match(childLimits, /^Max open files\s+300\s+300\s/m);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      control: { url: string };
      listeners: { id: string; port: number }[];
    };
    const port = (id: string) => manifest.listeners.find((l) => l.id === id)!.port;
    // Budget max(300 / 2, 300 - 1024) = 150, 135 per listener: the 250 connections below would pass the descriptor limit.
    const sockets: Socket[] = [];
    t.after(() => sockets.forEach((s) => s.destroy()));
    const flood = async (id: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const socket = await openTcp(port(id)).catch(() => null);
        if (!socket) continue;
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return sockets.filter((s) => !s.destroyed).length;
    };
    const status = async (target: number, path: string) =>
      (await exchange(await openTcp(target), `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)).text.split('\r\n')[0];
    const controlPort = Number(new URL(manifest.control.url).port);
    assert.equal(await flood('connection-hold', 150), 135, 'one listener holds at most nine tenths of the budget');
    assert.equal(await status(port('http-ok'), '/'), 'HTTP/1.1 200 OK');
    assert.equal(await status(controlPort, '/healthz'), 'HTTP/1.1 200 OK');
    assert.equal(await flood('connection-hold-tls', 100), 150, 'the farm holds exactly its budget');
    assert.equal(await status(controlPort, '/healthz'), 'HTTP/1.1 200 OK');
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; listener: string; detail?: string });
    const capLines = lines.filter((l) => l.msg === 'fault' && /^cap: /.test(l.detail ?? ''));
    assert.ok(
      capLines.some(
        (l) => l.listener === 'connection-hold' && l.detail!.startsWith('cap: 135 connections open, reset a new one (--max-connections)'),
      ),
      JSON.stringify(capLines),
    );
    assert.ok(
      capLines.some(
        (l) =>
          l.listener === 'connection-hold-tls' &&
          l.detail!.startsWith('cap: 150 connections open farm-wide, reset a new one (--max-open-connections)'),
      ),
      JSON.stringify(capLines),
    );
    assert.ok(capLines.length < 20, `${capLines.length} cap lines for 100 resets: rate-limited`);
  });
});
