import assert from 'node:assert/strict';
import { createServer, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { nodeRequest } from '../src/clients/node-client.js';
import { FarmError } from '../src/errors.js';
import { startControl, startFarm, type Farm } from '../src/farm.js';
import { assertManifest } from '../src/manifest-schema.js';
import { SSE_MAX_BUFFER_BYTES, SSE_MAX_SUBSCRIBERS, SSE_REPLAY_MAX_BYTES } from '../src/control/sse.js';
import { startFarmWithControl, certsDir, tempDir } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

/** GET/POST against the control API; resolves with status and body text (5 s limit). */
function call(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** An open `GET` on the control API whose body is read as it comes (5 s limit to get the response head). */
interface OpenStream {
  response: IncomingMessage;
  req: ClientRequest;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the received text contains `marker`; rejects after 5 s or when the stream ends first. */
  until(marker: string): Promise<void>;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: 5000 }, (response) => {
      let received = '';
      let waiters: { marker: string; resolve: () => void; reject: (error: Error) => void }[] = [];
      const settle = () => {
        waiters = waiters.filter((w) => (received.includes(w.marker) ? (w.resolve(), false) : true));
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        received += chunk;
        settle();
      });
      response.on('close', () => waiters.forEach((w) => w.reject(new Error(`stream ended before ${w.marker}`))));
      resolve({
        response,
        req,
        text: () => received,
        until: (marker) =>
          new Promise<void>((resolveMarker, rejectMarker) => {
            const timer = setTimeout(() => rejectMarker(new Error(`no ${marker} within 5 s`)), 5000);
            waiters.push({
              marker,
              resolve: () => (clearTimeout(timer), resolveMarker()),
              reject: (e) => (clearTimeout(timer), rejectMarker(e)),
            });
            settle();
          }),
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Counts calls of the farm's listener reset (the control API's POST /listeners/:id/reset ends there). */
function countResets(farm: Farm): { readonly count: number; restore(): void } {
  const original = farm.monitor.resetStats;
  let count = 0;
  farm.monitor.resetStats = (id) => {
    count++;
    original.call(farm.monitor, id);
  };
  return {
    get count() {
      return count;
    },
    restore: () => (farm.monitor.resetStats = original),
  };
}

describe('control API and event log', () => {
  let farm: Farm;
  const certs = certsDir();
  before(async () => {
    farm = await startFarmWithControl({
      basePort: 0,
      certsDir: certs.dir,
      only: ['tls-ok', 'cert-expired', 'close-on-connect', 'dns-nxdomain'],
    });
  });
  after(async () => {
    await farm?.close();
    certs.remove();
  });

  test('serves the manifest, the CA, live listener counters and health', async () => {
    const base = farm.control!.url;
    const manifest: unknown = JSON.parse((await call(`${base}/manifest.json`)).body);
    assertManifest(manifest);
    assert.equal(manifest.control?.url, base);
    assert.match((await call(`${base}/ca.pem`)).body, /^-----BEGIN CERTIFICATE-----/);
    assert.deepEqual(JSON.parse((await call(`${base}/healthz`)).body), {
      ok: true,
      listeners: farm.manifest.listeners.length,
      ledgerSize: 1000,
    });

    const closed = farm.waitFor('close-on-connect', (e) => e.type === 'close');
    await nodeRequest(farm.manifest, farm.manifest.listeners.find((l) => l.id === 'close-on-connect')!);
    const close = await closed;
    assert.equal(close.by, 'farm');
    const listeners = JSON.parse((await call(`${base}/listeners`)).body) as {
      id: string;
      connections: number;
      lastEvent: { type: string };
    }[];
    const stats = listeners.find((l) => l.id === 'close-on-connect')!;
    assert.equal(stats.connections, 1);
    assert.equal(stats.lastEvent.type, 'close');
    assert.deepEqual(JSON.parse((await call(`${base}/listeners/close-on-connect/reset`, 'POST')).body), {
      id: 'close-on-connect',
      reset: false,
    });
    assert.equal(
      JSON.parse((await call(`${base}/listeners`)).body).find((l: { id: string }) => l.id === 'close-on-connect').connections,
      0,
    );
    assert.equal((await call(`${base}/listeners/nope/reset`, 'POST')).status, 404);
  });

  test('/events streams server-sent events, filtered by listener', async () => {
    const received: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(`${farm.control!.url}/events?listener=cert-expired`, { timeout: 5000 }, (response) => {
        assert.equal(response.headers['content-type'], 'text/event-stream');
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          received.push(chunk);
          if (received.join('').includes('"type":"close"')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (error) => (received.join('').includes('"type":"close"') ? resolve() : reject(error)));
      req.end();
      setTimeout(
        () =>
          void nodeRequest(farm.manifest, farm.manifest.listeners.find((l) => l.id === 'tls-ok')!).then(() =>
            nodeRequest(farm.manifest, farm.manifest.listeners.find((l) => l.id === 'cert-expired')!),
          ),
        100,
      );
    });
    await done;
    const text = received.join('');
    assert.match(text, /event: listener-event\ndata: \{"event":\{"type":"connection"/);
    assert.match(text, /"stats":\{"id":"cert-expired","connections":1/);
    assert.ok(!text.includes('"listener":"tls-ok"'), 'the filter keeps other listeners out');
  });

  test('a slow SSE consumer is dropped once its buffer passes the bound, and memory does not grow with it', async () => {
    // A client that never reads: the farm must cut it off instead of buffering events for it.
    const { connect } = await import('node:net');
    const port = Number(new URL(farm.control!.url).port);
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    const before = process.memoryUsage().heapUsed;
    const detail = 'x'.repeat(2000);
    for (let i = 0; i < 5000 && !socket.destroyed; i++) {
      farm.events.emit('event', { listener: 'tls-ok', type: 'fault', time: Date.now(), detail });
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    socket.resume();
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('slow consumer was never dropped')), 5000))]);
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 64 * 1024 * 1024, `heap grew ${grown} bytes for ${SSE_MAX_BUFFER_BYTES}-byte bound`);
    assert.ok(farm.monitor.recent().length <= 1000);
  });

  test('a replay sends the newest events that fit within the slow-consumer bound, and its subscriber stays connected', async () => {
    const detail = 'r'.repeat(2000);
    for (let i = 0; i < 300; i++)
      farm.events.emit('event', { listener: 'tls-ok', type: 'fault', time: Date.now(), detail: `replay-${i}-${detail}` });
    const stream = await openStream(`${farm.control!.url}/events?replay=1`);
    try {
      assert.equal(stream.response.statusCode, 200);
      await stream.until('"replay-299-');
      const replayed = Buffer.byteLength(stream.text());
      assert.ok(replayed <= SSE_REPLAY_MAX_BYTES + 64, `${replayed} bytes replayed`);
      assert.ok(replayed > SSE_REPLAY_MAX_BYTES / 2, `${replayed} bytes replayed: the replay should fill its budget`);
      assert.ok(!stream.text().includes('"replay-0-'), 'the oldest events are the ones left out');
      const ids = [...stream.text().matchAll(/data: \{"event":\{[^}]*"detail":"replay-(\d+)-/g)].map((m) => Number(m[1]));
      assert.deepEqual(
        ids,
        ids.map((_, i) => ids[0]! + i),
        'newest events, oldest first, none skipped',
      );
      // Still subscribed: a live event follows the replay.
      farm.events.emit('event', { listener: 'tls-ok', type: 'fault', time: Date.now(), detail: 'after-the-replay' });
      await stream.until('after-the-replay');
    } finally {
      stream.req.destroy();
    }
  });

  test("1,000 replays leave the event emitter's listener count unchanged and free every subscriber slot; one past the cap gets 503", async () => {
    const detail = 'l'.repeat(2000);
    for (let i = 0; i < 300; i++)
      farm.events.emit('event', { listener: 'tls-ok', type: 'fault', time: Date.now(), detail: `leak-${i}-${detail}` });
    const listenersBefore = farm.events.listenerCount('event');
    const url = `${farm.control!.url}/events?replay=1`;
    let dropped = 0;
    for (let batch = 0; batch < 1000 / 20; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          try {
            const stream = await openStream(url);
            // Half read the whole replay, half hang up as soon as the head arrives.
            if (i % 2 === 0) await stream.until('"leak-299-');
            stream.req.destroy();
            await new Promise((resolve) => (stream.response.closed ? resolve(undefined) : stream.response.once('close', resolve)));
          } catch {
            dropped++; // counted, so that the listener count below is checked whatever the farm did with the replay
          }
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(farm.events.listenerCount('event'), listenersBefore);
    assert.equal(dropped, 0, 'every replay fits the bound: no subscriber is dropped for it');

    const open: OpenStream[] = [];
    try {
      for (let i = 0; i < SSE_MAX_SUBSCRIBERS; i++) {
        const stream = await openStream(`${farm.control!.url}/events`);
        open.push(stream);
        assert.equal(stream.response.statusCode, 200, `subscriber ${i + 1}`);
      }
      const refused = await call(`${farm.control!.url}/events`);
      assert.equal(refused.status, 503);
      assert.match(refused.body, /^\{"error":"[^\n]*\d+ subscribers[^\n]*"\}\n$/);
      const head = await openStream(`${farm.control!.url}/events`);
      assert.equal(head.response.headers['retry-after'], '2');
      head.req.destroy();
      open.pop()!.req.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await openStream(`${farm.control!.url}/events`);
      open.push(again);
      assert.equal(again.response.statusCode, 200, 'a freed slot is taken again');
    } finally {
      for (const stream of open) stream.req.destroy();
    }
  });

  test('a Host the control API is not served under gets 421 on reads and on reset (DNS rebinding)', async () => {
    const base = farm.control!.url;
    const resets = countResets(farm);
    try {
      for (const host of ['rebind.test', `rebind.test:${new URL(base).port}`, 'localhost.evil.test']) {
        const read = await call(`${base}/manifest.json`, 'GET', { host });
        assert.equal(read.status, 421, host);
        assert.match(read.body, /^\{"error":"[^\n]*rebind|evil[^\n]*"\}\n$/);
        assert.equal((await call(`${base}/listeners/close-on-connect/reset`, 'POST', { host })).status, 421, host);
      }
      assert.equal(resets.count, 0);
      for (const host of ['localhost', `localhost:${new URL(base).port}`, '127.0.0.1', `[::1]:${new URL(base).port}`, 'LOCALHOST.']) {
        assert.equal((await call(`${base}/healthz`, 'GET', { host })).status, 200, host);
      }
      assert.equal((await call(`${base}/listeners/close-on-connect/reset`, 'POST', { host: 'localhost' })).status, 200);
      assert.equal(resets.count, 1, 'a reset under a served name goes through');
    } finally {
      resets.restore();
    }
  });

  test("the farm's --hostname names are served names too", async (t) => {
    const own = tempDir();
    t.after(own.remove);
    const named = await startFarmWithControl({
      basePort: 0,
      certsDir: own.dir,
      only: ['tls-ok'],
      hostname: ['origin.test', 'alt.origin.test'],
    });
    t.after(() => named.close());
    const base = named.control!.url;
    for (const host of ['origin.test', `alt.origin.test:${new URL(base).port}`, 'localhost']) {
      assert.equal((await call(`${base}/healthz`, 'GET', { host })).status, 200, host);
    }
    assert.equal((await call(`${base}/healthz`, 'GET', { host: 'other.origin.test' })).status, 421);
  });

  test('cross-origin writes are refused (Origin, Sec-Fetch-Site) while curl-style and same-origin ones work', async () => {
    const base = farm.control!.url;
    const reset = `${base}/listeners/close-on-connect/reset`;
    const resets = countResets(farm);
    try {
      for (const headers of [
        { origin: 'http://evil.test' } as Record<string, string>,
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { origin: 'null' },
        { origin: `http://localhost:${new URL(base).port}` },
      ]) {
        const refused = await call(reset, 'POST', headers);
        assert.equal(refused.status, 403, JSON.stringify(headers));
        assert.match(refused.body, /^\{"error":"cross-origin POST refused[^\n]*"\}\n$/);
      }
      assert.equal(resets.count, 0);
      assert.equal((await call(reset, 'POST')).status, 200, 'curl-style: no Origin, no Sec-Fetch-Site');
      assert.equal(
        (await call(reset, 'POST', { origin: base, 'sec-fetch-site': 'same-origin' })).status,
        200,
        "the dashboard's own origin",
      );
      assert.equal(resets.count, 2);
      assert.equal(
        (await call(`${base}/healthz`, 'GET', { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' })).status,
        200,
        'reads stay open',
      );
    } finally {
      resets.restore();
    }
  });

  test('a malformed path answers a one-line JSON 400 without a stack trace or a file path', async () => {
    for (const [path, method] of [
      ['/listeners/%/reset', 'POST'],
      ['/listeners/%E0%A4%A/reset', 'POST'],
    ] as const) {
      const { status, body } = await call(`${farm.control!.url}${path}`, method);
      assert.equal(status, 400, path);
      assert.match(body, /^\{"error":"[^\n]+"\}\n$/, path);
      assert.ok(!/\bat \S|node_modules|\/work\/|\.ts\b|\.js\b/.test(body), body);
      assert.ok(!body.includes(process.cwd()), body);
    }
  });

  test('the event log writes pino JSON lines with connection, fault-side close and byte counts', async (t) => {
    const dir = tempDir();
    t.after(dir.remove);
    const logFile = `${dir.dir}/events.log`;
    const logged = await startFarmWithControl({
      basePort: 0,
      certsDir: certs.dir,
      only: ['cert-expired'],
      logLevel: 'info',
      logFile,
      controlPort: null,
    });
    // The client's alert (tls-error) and the close come in either order: wait for both.
    const seen = Promise.all([
      logged.waitFor('cert-expired', (e) => e.type === 'close'),
      logged.waitFor('cert-expired', (e) => e.type === 'tls-error'),
    ]);
    await nodeRequest(logged.manifest, logged.manifest.listeners[0]!);
    await seen;
    await logged.close();
    const lines = (await import('node:fs'))
      .readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.msg).sort(), ['client-hello', 'close', 'connection', 'tls-error']);
    assert.equal((lines.find((l) => l.msg === 'client-hello')!.clientHello as { sni: string }).sni, 'localhost');
    assert.equal(lines[0]!.msg, 'connection');
    assert.ok(lines.every((l) => l.listener === 'cert-expired' && l.level === 30 && typeof l.time === 'string'));
    assert.equal(typeof lines.find((l) => l.msg === 'close')!.bytesOut, 'number');
    assert.equal(logged.control, null);
  });

  test('off loopback the control API needs a token, and without it every route answers 401', async (t) => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    await assert.rejects(
      startFarmWithControl({ basePort: 0, certsDir: certs.dir, only: ['tls-ok'], controlHost: address ?? '0.0.0.0' }),
      (error: unknown) => error instanceof FarmError && error.code === 'CONTROL_TOKEN_REQUIRED',
    );
    // With a token (bound to 0.0.0.0, but only ever called on 127.0.0.1 here).
    const guarded = await startFarmWithControl({
      basePort: 0,
      certsDir: certs.dir,
      only: ['tls-ok'],
      controlHost: '0.0.0.0',
      controlToken: 's3cret',
    });
    t.after(() => guarded.close());
    const base = guarded.control!.url;
    for (const [path, method] of [
      ['/', 'GET'],
      ['/manifest.json', 'GET'],
      ['/ca.pem', 'GET'],
      ['/listeners', 'GET'],
      ['/events', 'GET'],
      ['/healthz', 'GET'],
      ['/listeners/tls-ok/reset', 'POST'],
      ['/listeners/tls-ok/try', 'POST'],
      ['/listeners/tls-ok/try', 'GET'],
      ['/listeners/tls-ok/attempts', 'GET'],
      ['/sources.json', 'GET'],
      ['/nope', 'GET'],
    ] as const) {
      assert.equal((await call(`${base}${path}`, method)).status, 401, path);
      assert.equal((await call(`${base}${path}`, method, { authorization: 'Bearer wrong' })).status, 401, path);
    }
    assert.equal((await call(`${base}/healthz`, 'GET', { authorization: 'Bearer s3cret' })).status, 200);
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      assert.equal((await call(`${base}/healthz`, 'GET', { authorization: `${scheme} s3cret` })).status, 200, scheme);
    }
    assert.equal((await call(`${base}/healthz`, 'GET', { authorization: 'bearer wrong' })).status, 401);
    assert.equal((await call(`${base}/healthz?token=s3cret`)).status, 200);
    // Behind a token any name is served (a cluster Service name), and a wrong token is still refused under it.
    assert.equal(
      (await call(`${base}/healthz`, 'GET', { authorization: 'Bearer s3cret', host: 'badorigin-control.badorigin-eu.svc' })).status,
      200,
    );
    assert.equal(
      (await call(`${base}/healthz`, 'GET', { authorization: 'Bearer wrong', host: 'badorigin-control.badorigin-eu.svc' })).status,
      401,
    );
  });
});

describe('dashboard in a real browser (Chromium via playwright-core)', () => {
  test('a page on another origin cannot reset a listener (form POST, no-cors fetch), nor a rebound name read the manifest', async (t) => {
    if (!requireTool(t, 'chromium')) return;
    const certs = certsDir();
    t.after(certs.remove);
    const farm = await startFarmWithControl({ basePort: 0, certsDir: certs.dir, only: ['close-on-connect'] });
    t.after(() => farm.close());
    const controlPort = new URL(farm.control!.url).port;
    const resetUrl = `${farm.control!.url}/listeners/close-on-connect/reset`;
    // The other origin: a page that tries both ways a browser lets any page send a POST elsewhere without CORS.
    const page = `<!doctype html><iframe name="sink"></iframe>
      <form method="POST" action="${resetUrl}" target="sink"><input name="x" value="1"></form>
      <script>
        fetch(${JSON.stringify(resetUrl)}, { method: 'POST', mode: 'no-cors', body: 'x=1' })
          .then((r) => (document.title = 'fetch ' + r.type), (e) => (document.title = 'fetch failed ' + e));
        document.forms[0].submit();
      </script>`;
    const other = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => other.close(resolve)));
    const otherPort = (other.address() as { port: number }).port;

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
    });
    t.after(() => browser.close());
    const resets = countResets(farm);
    t.after(resets.restore);
    const tab = await browser.newPage();
    const statuses: number[] = [];
    tab.on('response', (response) => {
      if (response.url() === resetUrl) statuses.push(response.status());
    });
    const formPosted = tab.waitForEvent('framenavigated', { predicate: (frame) => frame.url() === resetUrl, timeout: 10_000 });
    // localhost is another site than 127.0.0.1 (Sec-Fetch-Site: cross-site); Origin is http://localhost:<other port>.
    await tab.goto(`http://localhost:${otherPort}/`);
    await tab.waitForFunction(() => document.title.startsWith('fetch'), undefined, { timeout: 10_000 });
    assert.equal(await tab.title(), 'fetch opaque', 'the no-cors fetch was sent');
    const sink = await formPosted;
    assert.match((await sink.textContent('body')) ?? '', /cross-origin POST refused/);
    for (let i = 0; i < 50 && statuses.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(statuses.sort(), [403, 403]);
    assert.equal(resets.count, 0, 'no reset happened');

    // DNS rebinding: a name that now resolves to 127.0.0.1, on the control port, so the page is same-origin with it.
    const rebound = await tab.goto(`http://rebind.test:${controlPort}/manifest.json`);
    assert.equal(rebound?.status(), 421);
    assert.ok(!(await tab.content()).includes('"listeners"'), 'no manifest was served');
    const posted = await tab.evaluate(
      (url) => fetch(url, { method: 'POST' }).then((r) => r.status),
      `http://rebind.test:${controlPort}/listeners/close-on-connect/reset`,
    );
    assert.equal(posted, 421);
    assert.equal(resets.count, 0, 'no reset happened');
    // The counter does count: a curl-style POST resets.
    assert.equal((await call(resetUrl, 'POST')).status, 200);
    assert.equal(resets.count, 1);
  });
});

test('startFarm starts only the listeners; startControl(farm) adds the control API to the farm and its manifest, and farm.close() closes it', async (t) => {
  const certs = certsDir();
  t.after(certs.remove);
  const farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: ['tls-ok'] });
  let url = '';
  try {
    const { control: before, manifest } = farm;
    assert.equal(before, null);
    assert.equal(manifest.control, undefined);
    const control = await startControl(farm);
    url = control.url;
    assert.deepEqual([farm.control, farm.manifest.control], [{ url }, { url }]);
    assert.equal((await call(`${control.url}/healthz`, 'GET')).status, 200);
    const served = JSON.parse((await call(`${control.url}/manifest.json`, 'GET')).body) as { control?: { url: string } };
    assert.equal(served.control?.url, control.url);
  } finally {
    await farm.close();
  }
  const port = Number(new URL(url).port);
  const refused = await new Promise<string>((resolve) =>
    connect(port, '127.0.0.1')
      .once('connect', function (this: import('node:net').Socket) {
        this.destroy();
        resolve('open');
      })
      .once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error')),
  );
  assert.equal(refused, 'ECONNREFUSED', 'farm.close() closed the control API');
});
