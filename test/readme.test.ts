import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readResults } from '../bench/results.js';
import { spliceReadmeBlock } from '../bench/table.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest } from '../src/render.js';

test('the README listener table is what `badorigin manifest --format markdown` renders', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = /<!-- scenarios:begin -->\n([\s\S]*?)<!-- scenarios:end -->/.exec(readme)?.[1];
  assert.ok(table, 'README has the scenarios markers');
  assert.equal(table.trim(), renderManifest(plannedManifest(resolveSettings({})), 'markdown').trim());
});

test('the README performance table is what bench/results/latest.json says', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const results = readResults(fileURLToPath(new URL('../bench/results/latest.json', import.meta.url)));
  assert.ok(results.figures.length > 0, 'bench/results/latest.json is committed with figures (npm run bench)');
  assert.equal(readme, spliceReadmeBlock(readme, results), 'README.md is stale: run npm run readme');
});
