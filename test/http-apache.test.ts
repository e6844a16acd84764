import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFarm, type Farm } from '../src/farm.js';
import { certsDir, tempDir } from './helpers/farm.js';
import { freePort, proxyRequest, startApache, type RunningProxy } from './helpers/proxies.js';
import { rawExchange } from './helpers/http-faults.js';
import { requireTool } from './helpers/tools.js';

// Debian keeps apache2 in /usr/sbin, which a non-root PATH lacks.
process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const IDS = ['header-overflow', 'header-overflow-single-field', 'origin-status', 'truncated-body'];

// Apache httpd (mod_proxy_http) limits a proxied response per header field (ResponseFieldSize, 8,192 bytes) and has
// no limit on the whole head: header-overflow's many 1 KiB fields pass, header-overflow-single-field's one field fails.
describe('a real Apache httpd (mod_proxy_http) in front of the HTTP fault listeners', () => {
  let farm: Farm;
  let apache: RunningProxy | undefined;
  const certs = certsDir();
  const work = tempDir('badorigin-apache-');

  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: IDS, controlPort: null });
  });
  after(async () => {
    await apache?.stop();
    await farm?.close();
    certs.remove();
    work.remove();
  });

  const errorLog = () => readFileSync(join(work.dir, 'error.log'), 'utf8');

  test('Apache starts with one ProxyPass per listener', async (t) => {
    if (!requireTool(t, 'apache2')) return;
    const port = await freePort();
    const proxied = farm.manifest.listeners.filter((l) => l.transport === 'http');
    apache = await startApache(
      ['ProxyTimeout 3', ...proxied.map((l) => `ProxyPass /${l.id}/ http://127.0.0.1:${l.port}/`)],
      work.dir,
      port,
    );
  });

  test('header-overflow (1 KiB fields): a clean 200 through Apache, even at the largest ?header_bytes=', async (t) => {
    if (!apache) return t.skip('Apache did not start');
    // Read raw: Node's HTTP client refuses heads over 16 KiB, curl over 300 KiB.
    for (const [path, bytes] of [
      ['/header-overflow/', 128 * 1024],
      ['/header-overflow/?header_bytes=1048576', 1024 * 1024],
    ] as const) {
      const seen = await rawExchange(apache.port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 10_000);
      const text = seen.data.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, path);
      assert.ok(headEnd >= bytes, `${path}: a ${headEnd}-byte head`);
      assert.equal(text.slice(headEnd + 4), 'badorigin header-overflow\n', path);
    }
  });

  test('header-overflow-single-field (one 20 KiB field): 502 through Apache, which logs its ResponseFieldSize', async (t) => {
    if (!apache) return t.skip('Apache did not start');
    assert.deepEqual(await proxyRequest(apache.port, '/header-overflow-single-field/'), { status: 502 });
    // One field just under Apache's 8,192 bytes passes: the 502 is the per-field limit, not the head's size.
    assert.deepEqual(await proxyRequest(apache.port, '/header-overflow-single-field/?header_bytes=8000'), { status: 200 });
    assert.match(errorLog(), /AH10124: header size is over the limit allowed by ResponseFieldSize \(8192 bytes\)/);
  });

  test('origin-status: Apache passes on 400 for a code outside 100-599 and the final 200 after a 1xx', async (t) => {
    if (!apache) return t.skip('Apache did not start');
    for (const [code, status] of [
      ['503', 503],
      ['0', 400],
      ['99', 400],
      ['1e9', 400],
      ['abc', 400],
      ['600', 400],
      ['103', 200],
    ] as const) {
      assert.deepEqual(await proxyRequest(apache.port, `/origin-status/status/${code}`), { status }, code);
    }
  });

  test('truncated-body with sent_bytes over several filler blocks: Apache passes on the 200 and the body ends short', async (t) => {
    if (!apache) return t.skip('Apache did not start');
    const seen = await proxyRequest(apache.port, '/truncated-body/?content_length=1000000&sent_bytes=600001');
    assert.equal(seen.status, 200);
    assert.ok(seen.error, 'the client sees the body end short');
  });
});
