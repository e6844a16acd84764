import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest } from '../src/render.js';

test('the README listener table is what `badorigin manifest --format markdown` renders', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = /<!-- scenarios:begin -->\n([\s\S]*?)<!-- scenarios:end -->/.exec(readme)?.[1];
  assert.ok(table, 'README has the scenarios markers');
  assert.equal(table.trim(), renderManifest(plannedManifest(resolveSettings({})), 'markdown').trim());
});
