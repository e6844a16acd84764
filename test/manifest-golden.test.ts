import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest, type ManifestFormat } from '../src/render.js';

// The manifest is derived data: moving code between modules must not change a byte of it. The golden files pin
// every derived field (ports, SNI, CA paths, commands, expectations). Every input that could differ between machines
// is fixed here: the certs directory (an absolute path that need not exist: planning reads no file in it), the bind
// address, the hostname and the base port. A deliberate change to the manifest is recorded with
// MANIFEST_WRITE_GOLDEN=1 node --import tsx --test test/manifest-golden.test.ts, and the diff is reviewed in the commit.
const SETTINGS = { basePort: 9400, certsDir: '/badorigin-golden/certs', host: '127.0.0.1', hostname: 'localhost' };
const GOLDEN: Record<Exclude<ManifestFormat, 'table'>, URL> = {
  json: new URL('fixtures/manifest.golden.json', import.meta.url),
  markdown: new URL('fixtures/manifest.golden.md', import.meta.url),
};

for (const [format, file] of Object.entries(GOLDEN) as [keyof typeof GOLDEN, URL][]) {
  test(`the planned manifest (--format ${format}) is byte-identical to test/fixtures/${file.pathname.split('/').pop()}`, () => {
    const rendered = renderManifest(plannedManifest(resolveSettings(SETTINGS)), format);
    if (process.env.MANIFEST_WRITE_GOLDEN === '1') writeFileSync(file, rendered);
    assert.equal(
      rendered,
      readFileSync(file, 'utf8'),
      'the manifest changed: if deliberate, rerun with MANIFEST_WRITE_GOLDEN=1 and review the diff',
    );
  });
}
