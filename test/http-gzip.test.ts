import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { createGunzip } from 'node:zlib';
import { requestFor, loadCatalogue } from '../src/catalogue.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { useFarm } from './helpers/farm.js';
import { curlFor, parseCurl, rawExchange } from './helpers/http-faults.js';
import { requireTool } from './helpers/tools.js';

/** GET / with Accept-Encoding: gzip, the body piped through node:zlib's gunzip: its error code, or null. */
function nodeGunzip(port: number): Promise<{ status?: number; code: string | null; message?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
      const gunzip = res.pipe(createGunzip());
      gunzip.resume();
      gunzip.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: res.statusCode, code: error.code ?? 'ERROR', message: error.message }),
      );
      gunzip.on('end', () => resolve({ status: res.statusCode, code: null }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code ?? 'ERROR', message: error.message }));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('gzip-corrupt: Content-Encoding gzip whose stream does not inflate', () => {
  const fixture = useFarm({ only: ['gzip-corrupt'], controlPort: null });

  test('the response is framed correctly: Content-Length is the body sent, a gzip member header starts it', async () => {
    const { data, closed } = await rawExchange(
      fixture.listener('gzip-corrupt').port,
      'GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n',
    );
    assert.equal(closed, 'fin');
    const split = data.indexOf('\r\n\r\n');
    const head = data.subarray(0, split).toString('latin1');
    const body = data.subarray(split + 4);
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nContent-Encoding: gzip\r\n/);
    assert.equal(Number(/\r\nContent-Length: (\d+)\r\n/.exec(head)?.[1]), body.length);
    assert.deepEqual([...body.subarray(0, 3)], [0x1f, 0x8b, 0x08]);
  });

  test('gzip(1) rejects the body as corrupt', async (t) => {
    if (!requireTool(t, 'gzip')) return;
    const { data } = await rawExchange(fixture.listener('gzip-corrupt').port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const result = spawnSync('gzip', ['-dc'], { input: data.subarray(data.indexOf('\r\n\r\n') + 4), encoding: 'latin1' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /invalid compressed data/);
  });

  test('curl --compressed fails with exit 61 on HTTP and TLS; without it, curl gets the bytes', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const id of ['gzip-corrupt', 'gzip-corrupt-tls']) {
      const decoded = parseCurl(
        await runClient(curlFor(fixture.farm.manifest, fixture.listener(id), '/', ['--compressed', '--max-time', '5'])),
      );
      assert.equal(decoded.exit, 61, id);
      assert.match(decoded.stderr, /Error while processing content unencoding: invalid block type/, id);
      const raw = parseCurl(await runClient(curlFor(fixture.farm.manifest, fixture.listener(id), '/', ['--max-time', '5'])));
      assert.deepEqual([raw.exit, raw.code], [0, 200], id);
      assert.ok(raw.sizeDownload > 10, `${id}: ${raw.sizeDownload} bytes`);
    }
  });

  test('Node: node:zlib fails with Z_DATA_ERROR, and the reference client reports it', async () => {
    assert.deepEqual(await nodeGunzip(fixture.listener('gzip-corrupt').port), {
      status: 200,
      code: 'Z_DATA_ERROR',
      message: 'invalid block type',
    });
    for (const id of ['gzip-corrupt', 'gzip-corrupt-tls']) {
      const listener = fixture.listener(id);
      assert.equal(listener.acceptEncoding, 'gzip', id);
      assert.deepEqual(await nodeRequest(fixture.farm.manifest, listener), { code: 'Z_DATA_ERROR', message: 'invalid block type' }, id);
    }
  });

  test('clients and the conformance suite send the request the fault declares: GET asking for gzip', () => {
    const entry = loadCatalogue().find((e) => e.scenario.id === 'gzip-corrupt')!;
    assert.deepEqual(requestFor(entry.scenario, { readTimeoutS: 3 }), { method: 'GET', acceptEncoding: 'gzip' });
    assert.match(fixture.listener('gzip-corrupt').commands.curl!, / --compressed /);
  });
});
