import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { loadCatalogue, requestFor } from '../src/catalogue.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { assertManifest } from '../src/manifest-schema.js';

const docsDir = fileURLToPath(new URL('../../shared/docs/', import.meta.url));
const catalogue = loadCatalogue();

/** Splits `doc § section; status: doc § section` into [doc, section] pairs. */
function citations(source: string): [string, string][] {
  return source.split(';').map((part) => {
    const [doc, section] = part.replace(/^\s*\w+:\s*/, '').split('§').map((s) => s.trim());
    return [doc!, (section ?? '').replace(/\s*\(.*\)$/, '')];
  });
}

describe('scenario catalogue and manifest', () => {
  test('every scenario file is valid and ids, offsets and ports are unique and fixed', () => {
    assert.ok(catalogue.length >= 14);
    const manifest = plannedManifest(resolveSettings({ basePort: 9400, certsDir: '/tmp/unused-certs' }));
    assertManifest(manifest);
    // One port per listener, except that the DNS names share the DNS server's port.
    const ports = manifest.listeners.map((l) => (l.transport === 'dns' ? 'dns' : l.port));
    assert.equal(new Set(ports).size, ports.length - manifest.listeners.filter((l) => l.transport === 'dns').length + (ports.includes('dns') ? 1 : 0));
    assert.equal(new Set(manifest.listeners.filter((l) => l.transport === 'dns').map((l) => l.port)).size, ports.includes('dns') ? 1 : 0);
    for (const entry of catalogue) {
      assert.equal(manifest.listeners.find((l) => l.id === entry.scenario.id)?.port, 9400 + entry.scenario.offset);
      if (entry.scenario.tls) assert.equal(manifest.listeners.find((l) => l.id === `${entry.scenario.id}-tls`)?.port, 9500 + entry.scenario.offset);
    }
  });

  test('every CDN expectation cites a section that exists in shared/docs, and quotes only what the docs print', (t) => {
    if (!existsSync(docsDir)) {
      if (process.env.CI === 'true') throw new Error(`CI must have shared/docs beside the clone (${docsDir})`);
      return t.skip('shared/docs is not beside this checkout');
    }
    const docs = new Map<string, string>();
    const doc = (name: string) => {
      if (!docs.has(name)) docs.set(name, readFileSync(`${docsDir}${name}.txt`, 'utf8').toLowerCase());
      return docs.get(name)!;
    };
    for (const { scenario } of catalogue) {
      const sources = [...scenario.sources, scenario.expect.fastly?.source, scenario.expect.cloudfront?.source].filter((s): s is string => Boolean(s));
      for (const source of sources) {
        if (source === 'observed') continue;
        for (const [name, section] of citations(source)) {
          assert.ok(existsSync(`${docsDir}${name}.txt`), `${scenario.id}: no document ${name}`);
          assert.ok(doc(name).includes(section.toLowerCase()), `${scenario.id}: no section "${section}" in ${name}`);
        }
      }
      const quoted = [scenario.expect.fastly?.response, scenario.expect.cloudfront?.xCache].filter((s): s is string => Boolean(s));
      for (const text of quoted) {
        assert.ok([...['fastly-generated-errors', 'fastly-tls-origin-configuration-messages', 'cloudfront-502-origin-connection'].map(doc)].some((d) => d.includes(text.toLowerCase())), `${scenario.id}: "${text}" is not in any document`);
      }
    }
  });
});

test('requestFor: the request each fault declares, GET with the whole body for the rest', () => {
  const byId = new Map(loadCatalogue().map((e) => [e.scenario.id, e.scenario]));
  const request = (id: string) => requestFor(byId.get(id)!, { readTimeoutS: 3 });
  assert.deepEqual(request('request-body-not-read'), { method: 'POST', bodyBytes: 64 * 1024 * 1024 });
  assert.deepEqual(request('request-body-reset'), { method: 'POST', bodyBytes: 64 * 1024 * 1024 });
  assert.deepEqual(request('origin-status'), { method: 'GET', pathSuffix: 'status/503' });
  assert.deepEqual(request('oversized-body'), { method: 'GET', maxBodyBytes: 1024 * 1024 });
  // slow-drip (2 s apart, 1024 bytes): the chunks of a 3 s read timeout and a second more, plus one.
  assert.deepEqual(request('slow-drip'), { method: 'GET', maxBodyBytes: 3 * 1024 });
  for (const id of ['http-ok', 'truncated-body', 'tls-ok', 'dns-nxdomain', 'reset-on-connect']) assert.deepEqual(request(id), { method: 'GET' }, id);
});
