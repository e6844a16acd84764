import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFarm, type Farm } from '../src/farm.js';
import type { ListenerEvent } from '../src/listeners/index.js';
import { certsDir, tempDir } from './helpers/farm.js';
import { nodeTimed, rawExchange } from './helpers/http-faults.js';

/** Sends `line` one byte every `everyMs` until the farm closes; resolves with how long that took and what came back. */
function slowloris(
  port: number,
  line: string,
  everyMs: number,
  timeoutMs: number,
): Promise<{ ms: number; data: string; closedByFarm: boolean }> {
  return new Promise((resolve) => {
    const start = performance.now();
    let data = '';
    let i = 0;
    const socket = connect(port, '127.0.0.1');
    const done = (closedByFarm: boolean) => {
      clearInterval(drip);
      clearTimeout(timer);
      socket.destroy();
      resolve({ ms: performance.now() - start, data, closedByFarm });
    };
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
    const drip = setInterval(() => socket.writable && socket.write(line[i++ % line.length]!), everyMs);
    const timer = setTimeout(() => done(false), timeoutMs);
  });
}

describe('bad requests to the HTTP fault listeners: a 400 or a close, never a crash, never another listener affected', () => {
  let farm: Farm;
  const certs = certsDir();
  const scenarios = tempDir('badorigin-scenarios-');
  const events: ListenerEvent[] = [];
  const port = (id: string) => farm.manifest.listeners.find((l) => l.id === id)!.port;

  before(async () => {
    // A copy of http-ok with a 1 s head timeout, so the slowloris test is quick: params are data.
    writeFileSync(
      join(scenarios.dir, 'ok.yaml'),
      [
        'id: ok-short-head',
        'offset: 60',
        'family: http',
        'title: ok',
        'fault: ok with a 1 s head timeout.',
        'mechanism: http-fault',
        'params: { fault: ok, headTimeoutMs: 1000 }',
        'expect: { node: { code: null }, curl: { exit: 0 } }',
        'sources: []',
        'tls: { expect: { node: { code: null }, curl: { exit: 0 } } }',
      ].join('\n'),
    );
    writeFileSync(
      join(scenarios.dir, 'other.yaml'),
      [
        'id: bystander',
        'offset: 61',
        'family: http',
        'title: ok',
        'fault: the control.',
        'mechanism: http-fault',
        'params: { fault: ok }',
        'expect: { node: { code: null }, curl: { exit: 0 } }',
        'sources: []',
      ].join('\n'),
    );
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, scenariosDir: scenarios.dir, controlPort: null });
    farm.events.on('event', (e) => events.push(e));
  });
  after(async () => {
    await farm?.close();
    certs.remove();
    scenarios.remove();
  });

  test('garbage, binary, a bare-LF request, an HTTP/2 preface, NUL bytes, bad header lines: 400 and a close', async () => {
    const bad = [
      'hello there\r\n\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\x00y\r\n\r\n',
      'GET / HTTP/1.1\r\n Host: folded\r\n\r\n',
      'GET / HTTP/1.1\r\nNo colon here\r\n\r\n',
      'GET /a b HTTP/1.1\r\n\r\n',
      `GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(101)}\r\n`,
    ];
    for (const bytes of bad) {
      const r = await rawExchange(port('ok-short-head'), bytes, 3000);
      assert.match(r.data.toString(), /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(bytes.slice(0, 30)));
      assert.equal(r.closed, 'fin');
    }
  });

  test('a 1 MiB request line and a 1 MiB header: answered 400 after at most the limit, not buffered', async () => {
    for (const bytes of [
      `GET /${'a'.repeat(1024 * 1024)} HTTP/1.1\r\n\r\n`,
      `GET / HTTP/1.1\r\nX-Big: ${'b'.repeat(1024 * 1024)}\r\n\r\n`,
    ]) {
      const r = await rawExchange(port('ok-short-head'), bytes, 5000);
      assert.match(r.data.toString(), /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.notEqual(r.closed, 'timeout');
    }
  });

  test('slowloris: a head dripped one byte every 50 ms is closed at the head timeout (1 s)', async () => {
    const plain = await slowloris(port('ok-short-head'), 'GET / HTTP/1.1\r\nX-A: b\r\n', 50, 5000);
    assert.ok(plain.closedByFarm, 'the farm closed it');
    assert.ok(plain.ms >= 950 && plain.ms < 2000, `closed after ${plain.ms} ms`);
    assert.equal(plain.data, '');
  });

  test('200 bad connections at once, then the other listener and this one still answer; no handler errors', async () => {
    const attacks = Array.from({ length: 200 }, (_, i) =>
      rawExchange(port('ok-short-head'), i % 2 ? `\x00\x01garbage${i}\r\n\r\n` : `GET /${'x'.repeat(20_000)} HTTP/1.1\r\n`, 5000),
    );
    const [results, bystander] = await Promise.all([
      Promise.all(attacks),
      nodeTimed(farm.manifest, farm.manifest.listeners.find((l) => l.id === 'bystander')!, '/', 5000),
    ]);
    assert.equal(bystander.status, 200);
    assert.deepEqual(
      [...new Set(results.map((r) => r.closed))].filter((c) => c === 'timeout'),
      [],
    );
    assert.equal((await nodeTimed(farm.manifest, farm.manifest.listeners.find((l) => l.id === 'ok-short-head')!, '/', 5000)).status, 200);
    assert.deepEqual(
      events.filter((e) => e.type === 'handler-error'),
      [],
    );
  });
});
