import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { useFarm } from './helpers/farm.js';
import { curlFor, parseCurl, rawExchange } from './helpers/http-faults.js';
import { proxyDifferences } from './helpers/proxy-agreement.js';
import { requireTool } from './helpers/tools.js';

const IDS = ['header-overflow-40k', 'header-overflow-40k-tls'];

describe("header-overflow-40k: a response head between Cloudflare's 32 KB limit and its 128 KB 520", () => {
  const fixture = useFarm({ only: ['header-overflow-40k'], controlPort: null });

  test('on the wire: the head is over 32 KB and under 128 KB, every field under 16 KB', async () => {
    const { data, closed } = await rawExchange(fixture.listener('header-overflow-40k').port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(closed, 'fin');
    const head = data.subarray(0, data.indexOf('\r\n\r\n') + 4);
    assert.ok(head.length > 32 * 1024 && head.length < 128 * 1000, `${head.length} bytes of head`);
    const lines = head.toString('latin1').split('\r\n');
    assert.ok(
      lines.every((line) => line.length + 2 < 16 * 1000),
      'every field line under 16 KB',
    );
    assert.ok(lines.filter((line) => line.startsWith('X-Badorigin-Filler-')).length >= 39);
    assert.equal(data.subarray(head.length).toString(), 'badorigin header-overflow-40k\n');
  });

  test('Node refuses the head (HPE_HEADER_OVERFLOW); curl takes it (exit 0, 200)', async (t) => {
    for (const id of IDS) {
      assert.equal((await nodeRequest(fixture.farm.manifest, fixture.listener(id))).code, 'HPE_HEADER_OVERFLOW', id);
    }
    if (!requireTool(t, 'curl')) return;
    for (const id of IDS) {
      const result = parseCurl(await runClient(curlFor(fixture.farm.manifest, fixture.listener(id), '/', ['--max-time', '5'])));
      assert.deepEqual([result.exit, result.code], [0, 200], id);
    }
  });

  test('nginx, HAProxy and Varnish do what the manifest says (conformance suite request)', async (t) => {
    for (const [proxy, differences] of await proxyDifferences(t, fixture.farm)) assert.deepEqual(differences, [], proxy);
  });
});
