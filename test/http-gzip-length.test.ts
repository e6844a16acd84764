import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { useFarm } from './helpers/farm.js';
import { curlFor, parseCurl, rawExchange } from './helpers/http-faults.js';
import { proxyDifferences } from './helpers/proxy-agreement.js';
import { requireTool } from './helpers/tools.js';

const IDS = ['gzip-length-mismatch', 'gzip-length-mismatch-tls'];

describe('gzip-length-mismatch: a valid gzip body under the uncompressed Content-Length', () => {
  const fixture = useFarm({ only: ['gzip-length-mismatch'], controlPort: null });

  test('on the wire: Content-Length is the inflated length, the gzip stream sent is complete and shorter, then FIN', async () => {
    const { data, closed } = await rawExchange(fixture.listener('gzip-length-mismatch').port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(closed, 'fin');
    const split = data.indexOf('\r\n\r\n');
    const head = data.subarray(0, split).toString('latin1');
    const body = data.subarray(split + 4);
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nContent-Encoding: gzip\r\n/);
    const length = Number(/\r\nContent-Length: (\d+)\r\n/.exec(head)?.[1]);
    const inflated = gunzipSync(body);
    assert.equal(inflated.length, length, 'Content-Length is the uncompressed length');
    assert.ok(body.length < length / 4, `${body.length} gzip bytes for Content-Length ${length}`);
    assert.match(inflated.toString(), /^badorigin gzip-length-mismatch: line 0 /);
  });

  test('curl --compressed: exit 18, the transfer closed with the difference still to read', async (t) => {
    if (!requireTool(t, 'curl')) return;
    for (const id of IDS) {
      const result = parseCurl(
        await runClient(curlFor(fixture.farm.manifest, fixture.listener(id), '/', ['--compressed', '--max-time', '5'])),
      );
      assert.equal(result.exit, 18, id);
      assert.match(result.stderr, /transfer closed with \d+ bytes remaining to read/, id);
    }
  });

  test('Node: the reference client (asking for gzip) reports the response aborted', async () => {
    for (const id of IDS) {
      const listener = fixture.listener(id);
      assert.equal(listener.acceptEncoding, 'gzip', id);
      assert.deepEqual(await nodeRequest(fixture.farm.manifest, listener), { code: 'ECONNRESET', message: 'aborted' }, id);
    }
  });

  test('nginx, HAProxy and Varnish do what the manifest says (conformance suite request)', async (t) => {
    for (const [proxy, differences] of await proxyDifferences(t, fixture.farm)) assert.deepEqual(differences, [], proxy);
  });
});
