import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { generateConfig } from '../src/config/index.js';
import { SUITE_TIMEOUTS } from './helpers/conformance.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { curlFor, parseCurl, rawExchange } from './helpers/http-faults.js';
import { proxyDifferences } from './helpers/proxy-agreement.js';
import { freePort, startVarnish } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const ID = 'content-range-length-mismatch';

/** GET `path` on 127.0.0.1:port with `Range: bytes=0-1023`: the status, or the error message. */
function rangeGet(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { range: 'bytes=0-1023' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (error) => resolve(error.message));
    });
    req.on('error', (error) => resolve(error.message));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('content-range-length-mismatch: a 206 whose Content-Length contradicts its Content-Range', () => {
  const fixture = useFarm({ only: [ID], controlPort: null });

  test('on the wire: Content-Range claims 1024 bytes, Content-Length and the body are 512, then FIN', async () => {
    const { data, closed } = await rawExchange(fixture.listener(ID).port, 'GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1023\r\n\r\n');
    assert.equal(closed, 'fin');
    const split = data.indexOf('\r\n\r\n');
    const head = data.subarray(0, split).toString('latin1');
    assert.match(head, /^HTTP\/1\.1 206 Partial Content\r\n/);
    const range = /\r\nContent-Range: bytes (\d+)-(\d+)\/(\d+)\r\n/.exec(head);
    assert.ok(range, head);
    const length = Number(/\r\nContent-Length: (\d+)\r\n/.exec(head)?.[1]);
    assert.equal(data.length - split - 4, length, 'Content-Length is the body sent');
    assert.notEqual(Number(range[2]) - Number(range[1]) + 1, length, 'the range length differs');
  });

  test('Node and curl (with and without a Range) take the 206: neither compares the two lengths', async (t) => {
    for (const id of [ID, `${ID}-tls`])
      assert.deepEqual(await nodeRequest(fixture.farm.manifest, fixture.listener(id)), { code: null, status: 206 }, id);
    assert.equal(await rangeGet(fixture.listener(ID).port, '/'), 206);
    if (!requireTool(t, 'curl')) return;
    for (const id of [ID, `${ID}-tls`]) {
      for (const extra of [[], ['-r', '0-1023']]) {
        const result = parseCurl(await runClient(curlFor(fixture.farm.manifest, fixture.listener(id), '/', ['--max-time', '5', ...extra])));
        assert.deepEqual([result.exit, result.code, result.sizeDownload], [0, 206, 512], `${id} ${extra.join(' ')}`);
      }
    }
  });

  test('Varnish: 503; a Range request logs "Expected content length 1024, got 512"', async (t) => {
    if (!requireTool(t, 'varnishd') || !requireTool(t, 'varnishlog')) return;
    const work = tempDir('badorigin-varnish-');
    try {
      const listen = await freePort();
      const varnish = await startVarnish(
        generateConfig('varnish', fixture.farm.manifest, { ...SUITE_TIMEOUTS, listen, foreground: true }),
        work.dir,
        listen,
      );
      try {
        assert.equal(await rangeGet(listen, `/${ID}/`), 503);
        let log = '';
        for (let i = 0; i < 50 && !/\bError\b/.test(log); i++) {
          await new Promise((r) => setTimeout(r, 100));
          log = (await runClient(['varnishlog', '-n', join(work.dir, 'varnish'), '-d', '-g', 'raw', '-i', 'Error'], 10_000)).stdout;
        }
        assert.match(log, /Error\s+b Expected content length 1024, got 512/);
      } finally {
        await varnish.stop();
      }
    } finally {
      work.remove();
    }
  });

  test('nginx, HAProxy and Varnish do what the manifest says (conformance suite request, no Range)', async (t) => {
    for (const [proxy, differences] of await proxyDifferences(t, fixture.farm)) assert.deepEqual(differences, [], proxy);
  });
});
