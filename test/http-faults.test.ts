import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { curlArgs } from '../src/client-commands.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { loadCatalogue } from '../src/catalogue.js';
import { startFarm, type Farm } from '../src/farm.js';
import type { ManifestListener } from '../src/manifest.js';
import type { ListenerEvent } from '../src/listeners/mechanism.js';
import { matchesNodeExpectation } from '../src/probe.js';
import { certsDir, tempDir } from './helpers/farm.js';
import { blockedUpload, curlFor, nodeInformational, nodeTimed, parseCurl, rawExchange, silentClient } from './helpers/http-faults.js';
import { MAX_AGE_S, MAX_BODY_BYTES, MAX_CHUNK_BYTES, MAX_CHUNKS, MAX_HEADER_BYTES, OVERRIDES } from '../src/listeners/http/params.js';
import { MAX_DELAY_MS } from '../src/listeners/caps.js';
import { PEER_PROBE_MS } from '../src/listeners/http/faults/request-body-not-read.js';
import { requireTool } from './helpers/tools.js';

const httpIds = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'http')
  .map((entry) => entry.scenario.id);

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

describe('HTTP response faults, observed by Node and curl', () => {
  let farm: Farm;
  const certs = certsDir();
  const l = (id: string): ManifestListener => farm.manifest.listeners.find((x) => x.id === id)!;

  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: httpIds, controlPort: null });
  });
  after(async () => {
    await farm?.close();
    certs.remove();
  });

  test('every HTTP response fault scenario is served over HTTP and over TLS, on offsets 60-99', () => {
    for (const id of [
      'http-ok',
      'origin-status',
      'slow-first-byte',
      'stall-mid-body',
      'slow-drip',
      'request-body-not-read',
      'request-body-reset',
      'illegal-vary',
      'oversized-body',
      'truncated-body',
      'bad-chunked',
      'garbage-response',
      'malformed-status-line',
      'header-overflow',
      'conflicting-content-length',
      'health-failing',
      'health-flapping',
      'stale-then-fail',
      'connection-hold',
      'redirect-loop',
    ]) {
      assert.equal(l(id)?.transport, 'http', id);
      assert.equal(l(`${id}-tls`)?.transport, 'https', `${id}-tls`);
    }
    // The revocation responder is an HTTP origin too, but it serves the certificate listeners' revocation data, next to them.
    for (const entry of loadCatalogue().filter((e) => e.scenario.family === 'http' && e.scenario.id !== 'revocation-responder')) {
      assert.ok(entry.scenario.offset >= 60 && entry.scenario.offset <= 99, entry.scenario.id);
    }
  });

  test('the reference Node client and curl see expect.node and expect.curl on every listener', async (t) => {
    if (!requireTool(t, 'curl')) return;
    // stale-then-fail answers its first request differently: start it fresh, and let only one client count as first.
    const listeners = farm.manifest.listeners;
    const failures = (
      await pool(listeners, 16, async (listener) => {
        const [node, curl] = await Promise.all([nodeRequest(farm.manifest, listener), runClient(curlArgs(farm.manifest, listener))]);
        const problems: string[] = [];
        if (!matchesNodeExpectation(listener.expect.node, node))
          problems.push(`node: expected ${JSON.stringify(listener.expect.node)}, observed ${JSON.stringify(node)}`);
        if (![listener.expect.curl!.exit].flat().includes(curl.exit!))
          problems.push(`curl: expected ${JSON.stringify(listener.expect.curl)}, got ${curl.exit}: ${curl.stderr.trim()}`);
        return problems.map((p) => `${listener.id}: ${p}`);
      })
    ).flat();
    assert.deepEqual(failures, []);
  });

  test('http-ok: a cacheable 200 with ETag, Last-Modified and Cache-Control; If-None-Match gets a 304', async () => {
    for (const id of ['http-ok', 'http-ok-tls']) {
      const first = await nodeTimed(farm.manifest, l(id), '/', 5000);
      assert.equal(first.status, 200, id);
      assert.match(first.headers!['cache-control']!, /^public, max-age=60$/);
      assert.match(first.headers!.etag!, /^"[0-9a-f]{16}"$/);
      assert.ok(Date.parse(first.headers!['last-modified']!) <= Date.now());
    }
    const etag = (await nodeTimed(farm.manifest, l('http-ok'), '/', 5000)).headers!.etag;
    const raw = await rawExchange(l('http-ok').port, `GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\n\r\n`);
    assert.match(raw.data.toString(), /^HTTP\/1\.1 304 Not Modified\r\n/);
  });

  test('origin-status: /status/<code> answers 100-599, well-formed (a 1xx before the final 200); anything else and bad overrides get a 400', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const [path, status] of [
      ['/status/503', 503],
      ['/origin-status/status/404', 404],
      ['/status/204', 204],
      ['/status/599', 599],
      ['/', 200],
      ['/status/999', 400],
      ['/status/600', 400],
      ['/status/0', 400],
      ['/status/99', 400],
      ['/status/1e9', 400],
      ['/status/abc', 400],
      ['/status/', 400],
      ['/status/0200', 400],
    ] as const) {
      const seen = await nodeTimed(farm.manifest, l('origin-status-tls'), path, 5000);
      assert.equal(seen.status, status, path);
      assert.ok(seen.ended, path);
      const curl = parseCurl(await runClient(curlFor(farm.manifest, l('origin-status'), path, ['--max-time', '5'])));
      assert.deepEqual([curl.exit, curl.code], [0, status], `curl ${path}`);
    }
    for (const code of [100, 103, 199]) {
      const seen = await nodeInformational(l('origin-status').port, `/status/${code}`);
      assert.deepEqual(seen, { informational: [code], status: 200 }, `/status/${code}`);
      const curl = parseCurl(await runClient(curlFor(farm.manifest, l('origin-status-tls'), `/status/${code}`, ['--max-time', '5'])));
      assert.deepEqual([curl.exit, curl.code], [0, 200], `curl /status/${code}`);
    }
    const caps = {
      delay_ms: MAX_DELAY_MS,
      content_length: MAX_BODY_BYTES,
      sent_bytes: MAX_BODY_BYTES,
      size: MAX_BODY_BYTES,
      chunks: MAX_CHUNKS,
      chunk_bytes: MAX_CHUNK_BYTES,
      header_bytes: MAX_HEADER_BYTES,
      max_age: MAX_AGE_S,
    };
    for (const [query, cap] of Object.entries(caps)) {
      assert.equal((await nodeTimed(farm.manifest, l('http-ok'), `/?${query}=${cap}`, 5000)).status, 200, `${query} at its cap`);
      const over = await rawExchange(l('http-ok').port, `GET /?${query}=${cap + 1} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.match(over.data.toString(), new RegExp(`^HTTP/1\\.1 400 [^]*${query} must be a whole number from \\d+ to ${cap}\\n$`), query);
    }
    for (const query of ['delay_ms=abc', 'size=-1', 'encoding=gzip']) {
      const seen = await nodeTimed(farm.manifest, l('slow-first-byte'), `/?${query}`, 5000);
      assert.equal(seen.status, 400, query);
    }
  });

  test('the README states the cap of every per-request size and time override', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const paragraph = /^Per-request overrides are capped[^]*?\n\n/m.exec(readme)?.[0].replace(/\s+/g, ' ');
    assert.ok(paragraph, 'README has the paragraph on override caps');
    const stated = (n: number) =>
      n % 2 ** 40 === 0 ? `${n / 2 ** 40} TiB` : n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : n.toLocaleString('en-US');
    for (const override of OVERRIDES.filter((o) => o.max !== undefined)) {
      const clause = new RegExp(`\`${override.query}\`[^;]*? ${stated(override.max!)}( |;|\\.)`);
      assert.match(paragraph, clause, `${override.query}: cap ${stated(override.max!)}`);
    }
  });

  test('slow-first-byte ?delay_ms=1500: the first byte arrives at 1.5 s ± 0.2 s and not before (curl, Node, HTTP and TLS)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const results = await Promise.all(
      ['slow-first-byte', 'slow-first-byte-tls'].flatMap((id) => [
        runClient(curlFor(farm.manifest, l(id), '/?delay_ms=1500', ['--max-time', '5'])).then((r) => ({
          id,
          who: 'curl',
          ...parseCurl(r),
        })),
        nodeTimed(farm.manifest, l(id), '/?delay_ms=1500', 5000).then((r) => ({
          id,
          who: 'node',
          starttransfer: r.headAt! / 1000,
          exit: r.ended ? 0 : 1,
          code: r.status,
        })),
      ]),
    );
    for (const r of results) {
      assert.equal(r.exit, 0, `${r.id} ${r.who}`);
      assert.equal(r.code, 200, `${r.id} ${r.who}`);
      assert.ok(r.starttransfer >= 1.5 && r.starttransfer <= 1.7, `${r.id} ${r.who}: first byte at ${r.starttransfer} s`);
    }
    // A client with a shorter limit gives up with nothing received.
    const early = parseCurl(await runClient(curlFor(farm.manifest, l('slow-first-byte'), '/?delay_ms=1500', ['--max-time', '1'])));
    assert.equal(early.exit, 28);
    assert.equal(early.sizeDownload, 0);
  });

  test('stall-mid-body: the head and sent_bytes arrive at once, then nothing until the client gives up', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const id of ['stall-mid-body', 'stall-mid-body-tls']) {
      const r = parseCurl(await runClient(curlFor(farm.manifest, l(id), '/?content_length=5000&sent_bytes=100', ['--max-time', '1.5'])));
      assert.equal(r.exit, 28, `${id}: ${r.stderr}`);
      assert.equal(r.code, 200);
      assert.equal(r.sizeDownload, 100);
      assert.ok(r.starttransfer < 0.5, `${id}: first byte at ${r.starttransfer} s`);
      assert.match(r.stderr, /with 100 out of 5000 bytes received/);
    }
  });

  test('stall-mid-body, truncated-body: sent_bytes across several filler blocks arrive exactly (curl, Node, HTTP and TLS)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const path = '/?content_length=1000000&sent_bytes=600001';
    for (const id of ['stall-mid-body', 'stall-mid-body-tls']) {
      const r = parseCurl(await runClient(curlFor(farm.manifest, l(id), path, ['--max-time', '1.5'])));
      assert.deepEqual([r.exit, r.sizeDownload], [28, 600001], `${id}: ${r.stderr}`);
      const node = await nodeTimed(farm.manifest, l(id), path, 1500);
      assert.deepEqual([node.status, node.bytes, node.error], [200, 600001, 'timeout'], id);
    }
    for (const id of ['truncated-body', 'truncated-body-tls']) {
      const r = parseCurl(await runClient(curlFor(farm.manifest, l(id), path, ['--max-time', '5'])));
      assert.deepEqual([r.exit, r.sizeDownload], [18, 600001], `${id}: ${r.stderr}`);
      const node = await nodeTimed(farm.manifest, l(id), path, 5000);
      assert.deepEqual([node.status, node.bytes, node.ended], [200, 600001, false], id);
    }
  });

  test('stall-mid-body, truncated-body: 256 MiB of sent_bytes to clients that do not read costs the farm less than 64 MiB', async () => {
    const before = process.memoryUsage().rss;
    const ca = readFileSync(farm.manifest.trust.rootCaFile);
    const path = `/?content_length=${MAX_BODY_BYTES}&sent_bytes=${256 * 1024 ** 2}`;
    const clients = await Promise.all(
      ['stall-mid-body', 'stall-mid-body-tls', 'truncated-body', 'truncated-body-tls'].flatMap((id) =>
        Array.from({ length: 3 }, () =>
          silentClient(
            l(id).port,
            `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`,
            l(id).transport === 'https' ? { ca, servername: 'localhost' } : undefined,
          ),
        ),
      ),
    );
    try {
      // Every response is under way (the head and the first bytes came): what the farm holds for them is in RSS now.
      assert.ok(clients.every((c) => c.received() > 0));
      await new Promise((r) => setTimeout(r, 500));
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < 64 * 2 ** 20, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB for 12 responses of 256 MiB`);
    } finally {
      for (const c of clients) c.close();
    }
  });

  test('slow-drip: each gap is interval_ms ± 0.2 s, so a between-bytes limit never trips but a total limit does', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const path = '/?chunks=4&chunk_bytes=100&interval_ms=500';
    const [node, curl, limited] = await Promise.all([
      nodeTimed(farm.manifest, l('slow-drip-tls'), path, 5000),
      // curl's --speed-time 1: fail if less than 1 byte/s for 1 s (a between-bytes timeout); it never trips.
      runClient(curlFor(farm.manifest, l('slow-drip'), path, ['--max-time', '5', '--speed-limit', '1', '--speed-time', '1'])).then(
        parseCurl,
      ),
      runClient(curlFor(farm.manifest, l('slow-drip'), path, ['--max-time', '1'])).then(parseCurl),
    ]);
    assert.ok(node.ended);
    assert.equal(node.bytes, 400);
    assert.equal(node.chunkTimes.length, 4, 'one chunk at a time');
    for (let i = 1; i < 4; i++) {
      const gap = node.chunkTimes[i]! - node.chunkTimes[i - 1]!;
      assert.ok(gap >= 450 && gap <= 700, `gap ${i}: ${gap} ms`);
    }
    assert.equal(curl.exit, 0, curl.stderr);
    assert.equal(curl.sizeDownload, 400);
    assert.ok(curl.total >= 1.5 && curl.total <= 1.7, `total ${curl.total} s`);
    assert.equal(limited.exit, 28);
    assert.ok(limited.sizeDownload >= 100 && limited.sizeDownload <= 300, `${limited.sizeDownload} bytes within 1 s`);
  });

  test('truncated-body: Content-Length 1 MiB, 1024 bytes, FIN (curl 18 "transfer closed with 1047552 bytes remaining")', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const id of ['truncated-body', 'truncated-body-tls']) {
      const r = parseCurl(await runClient(curlFor(farm.manifest, l(id), '/', ['--max-time', '5'])));
      assert.equal(r.exit, 18);
      assert.equal(r.sizeDownload, 1024);
      assert.match(r.stderr, /transfer closed with 1047552 bytes remaining to read/);
    }
  });

  test('garbage-response, malformed-status-line, conflicting-content-length, bad-chunked are written byte-exactly', async () => {
    const get = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    const garbage = await rawExchange(l('garbage-response').port, get);
    assert.equal(garbage.closed, 'fin');
    assert.ok(garbage.data.toString('latin1').startsWith('SSH-2.0-OpenSSH_9.2 badorigin\r\n\x00\x01\x02\xff\xfe'));
    const status = await rawExchange(l('malformed-status-line').port, get);
    assert.match(status.data.toString(), /^HTTP\/1\.1 2OO OK\r\n/);
    const lengths = await rawExchange(l('conflicting-content-length').port, get);
    assert.deepEqual(lengths.data.toString().match(/^Content-Length: \d+/gm), ['Content-Length: 16', 'Content-Length: 32']);
    const chunked = await rawExchange(l('bad-chunked').port, get);
    assert.match(chunked.data.toString(), /\r\n\r\n10\r\nbadorigin chunk\n\r\nzz\r\n/);
    const noLast = await rawExchange(l('bad-chunked-no-last-chunk').port, get);
    assert.ok(noLast.data.toString().endsWith('10\r\nbadorigin chunk\n\r\n'));
    assert.equal(noLast.closed, 'fin');
  });

  test('header-overflow: 128 KiB of response header fields (curl counts them; Node refuses them)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const r = parseCurl(await runClient(curlFor(farm.manifest, l('header-overflow-tls'), '/', ['--max-time', '5'])));
    assert.equal(r.exit, 0);
    assert.ok(r.sizeHeader >= 128 * 1024 && r.sizeHeader < 130 * 1024, `${r.sizeHeader} header bytes`);
  });

  test('illegal-vary: the Vary header goes out exactly as configured, in both variants', async () => {
    const plain = await nodeTimed(farm.manifest, l('illegal-vary-tls'), '/', 5000);
    assert.equal(plain.headers!.vary, 'Accept-Encoding User-Agent');
    const long = await nodeTimed(farm.manifest, l('illegal-vary-long-name'), '/', 5000);
    assert.equal(long.headers!.vary!.split(', ')[1]!.length, 142);
  });

  test('request-body-not-read: the head is read, a large POST body blocks, no answer comes', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const file = join(certs.dir, 'body.bin');
    writeFileSync(file, Buffer.alloc(16 * 1024 * 1024, 0x62));
    for (const id of ['request-body-not-read', 'request-body-not-read-tls']) {
      const request = farm.waitFor(id, (e) => e.type === 'request', 5000);
      const r = parseCurl(await runClient(curlFor(farm.manifest, l(id), '/', ['--max-time', '1.5', '--data-binary', `@${file}`])));
      assert.equal((await request).detail, 'POST /');
      assert.equal(r.exit, 28);
      assert.equal(r.code, 0);
      assert.ok(r.sizeUpload < 16 * 1024 * 1024, `${id}: ${r.sizeUpload} bytes uploaded`);
    }
  });

  test('request-body-not-read: a peer that resets its blocked upload is let go within PEER_PROBE_MS, not held until --max-hold-ms', async () => {
    const ca = readFileSync(farm.manifest.trust.rootCaFile);
    // The farm's connection number of each peer address, to tell this test's connection from earlier tests' ones.
    const connections = new Map<string, number>();
    const record = (e: ListenerEvent) => void (e.type === 'connection' && connections.set(`${e.listener} ${e.peer}`, e.connection!));
    farm.events.on('event', record);
    for (const id of ['request-body-not-read', 'request-body-not-read-tls']) {
      const tls = l(id).transport === 'https' ? { ca, servername: 'localhost' } : undefined;
      const upload = await blockedUpload(l(id).port, 64 * 1024 * 1024, 300, tls);
      const connection = connections.get(`${id} 127.0.0.1:${upload.localPort}`);
      assert.ok(connection !== undefined, `${id}: no connection event for port ${upload.localPort}`);
      const closed = farm.waitFor(id, (e) => e.type === 'close' && e.connection === connection, PEER_PROBE_MS + 3000);
      const resetAt = performance.now();
      upload.reset();
      const event = await closed;
      const after = performance.now() - resetAt;
      assert.equal(event.by, 'error', id);
      assert.ok(after <= PEER_PROBE_MS + 1000, `${id}: closed ${after.toFixed(0)} ms after the reset`);
    }
    farm.events.off('event', record);
  });

  test('request-body-reset: the head is read, then an RST while the client still sends its body', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const file = join(certs.dir, 'body3.bin');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 0x62));
    for (const id of ['request-body-reset', 'request-body-reset-tls']) {
      const r = parseCurl(await runClient(curlFor(farm.manifest, l(id), '/', ['--max-time', '5', '--data-binary', `@${file}`])));
      assert.ok([55, 56].includes(r.exit!), `${id}: curl ${r.exit} ${r.stderr}`);
      assert.match(r.stderr, /Connection reset by peer|Send failure/);
    }
  });

  test('redirect-loop: Location is the request itself; curl -L gives up with exit 47', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const seen = await nodeTimed(farm.manifest, l('redirect-loop'), '/a/b?c=1', 5000);
    assert.equal(seen.status, 302);
    assert.equal(seen.headers!.location, '/a/b?c=1');
    const r = await runClient(curlFor(farm.manifest, l('redirect-loop-tls'), '/', ['--max-time', '5', '-L', '--max-redirs', '5']));
    assert.equal(r.exit, 47, r.stderr);
  });

  test('health-failing answers 503 on every path; stale-then-fail serves one cacheable 200, then 503 until reset()', async () => {
    for (const path of ['/', '/health', '/status'])
      assert.equal((await nodeTimed(farm.manifest, l('health-failing'), path, 5000)).status, 503);
    for (const id of ['stale-then-fail', 'stale-then-fail-tls']) {
      assert.equal(farm.reset(id), true);
      const first = await nodeTimed(farm.manifest, l(id), '/', 5000);
      assert.equal(first.status, 200);
      assert.equal(first.headers!['cache-control'], 'public, max-age=5');
      assert.equal((await nodeTimed(farm.manifest, l(id), '/', 5000)).status, 503);
      assert.equal((await nodeTimed(farm.manifest, l(id), '/', 5000)).status, 503);
      assert.equal(farm.reset(id), true);
      assert.equal((await nodeTimed(farm.manifest, l(id), '/', 5000)).status, 200);
    }
  });

  test('connection-hold: 50 connections are accepted and held without a byte, while other listeners answer', async () => {
    const port = l('connection-hold').port;
    const held = await Promise.all(Array.from({ length: 50 }, () => rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 800)));
    assert.deepEqual([...new Set(held.map((h) => `${h.closed} ${h.data.length}`))], ['timeout 0']);
    assert.equal((await nodeTimed(farm.manifest, l('http-ok'), '/', 5000)).status, 200);
  });

  test('oversized-body: 2 GiB with Content-Length completes and the farm grows by less than 64 MiB; chunked and TLS too', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    try {
      const size = 2 * 1024 ** 3;
      const big = parseCurl(await runClient(curlFor(farm.manifest, l('oversized-body'), `/?size=${size}`, ['--max-time', '60']), 65_000));
      assert.equal(big.exit, 0, big.stderr);
      assert.equal(big.sizeDownload, size);
      const chunked = parseCurl(
        await runClient(
          curlFor(farm.manifest, l('oversized-body-chunked'), `/?size=${256 * 1024 ** 2 + 12345}`, ['--max-time', '30']),
          35_000,
        ),
      );
      assert.equal(chunked.exit, 0, chunked.stderr);
      assert.equal(chunked.sizeDownload, 256 * 1024 ** 2 + 12345);
      const tls = parseCurl(
        await runClient(
          curlFor(farm.manifest, l('oversized-body-tls'), `/?size=${64 * 1024 ** 2}&encoding=chunked`, ['--max-time', '30']),
          35_000,
        ),
      );
      assert.equal(tls.exit, 0, tls.stderr);
      assert.equal(tls.sizeDownload, 64 * 1024 ** 2);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    t.diagnostic(`RSS before ${(before / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(peak - before < 64 * 2 ** 20, `RSS grew by ${((peak - before) / 2 ** 20).toFixed(1)} MiB`);
  });
});

describe('http-fault scenarios are data: a scenario file with other params needs no TypeScript', () => {
  test('health-flapping with periodMs 400: healthy, then failing, then healthy; reset() starts a healthy phase', async () => {
    const certs = certsDir();
    const scenarios = tempDir('badorigin-scenarios-');
    try {
      writeFileSync(
        join(scenarios.dir, 'flap.yaml'),
        [
          'id: flap-fast',
          'offset: 99',
          'family: http',
          'title: Fast flapping',
          'fault: Flaps every 400 ms.',
          'mechanism: http-fault',
          'params: { fault: health-flapping, periodMs: 400 }',
          'expect: { node: { code: null }, curl: { exit: 0 } }',
          'sources: []',
        ].join('\n'),
      );
      const farm = await startFarm({ basePort: 0, certsDir: certs.dir, scenariosDir: scenarios.dir, controlPort: null });
      try {
        const listener = farm.manifest.listeners[0]!;
        const statuses: number[] = [];
        const deadline = performance.now() + 3000;
        // Poll until two phase changes were seen (200 → 503 → 200): the period under test, not a settling sleep.
        while (performance.now() < deadline) {
          const status = (await nodeTimed(farm.manifest, listener, '/', 2000)).status!;
          if (statuses.at(-1) !== status) statuses.push(status);
          if (statuses.length === 3) break;
        }
        assert.deepEqual(statuses, [200, 503, 200]);
        assert.equal(farm.reset('flap-fast'), true);
        assert.equal((await nodeTimed(farm.manifest, listener, '/', 2000)).status, 200);
      } finally {
        await farm.close();
      }
    } finally {
      certs.remove();
      scenarios.remove();
    }
  });
});
