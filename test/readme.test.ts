import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readResults } from '../bench/results.js';
import { spliceReadmeBlock } from '../bench/table.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest } from '../src/render.js';
import { renderOptionTable } from '../src/options/readme.js';
import { FARM_OPTIONS } from '../src/options/table.js';

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

test('the README option table is what src/options/table.ts declares, one row per farm option', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = /<!-- options:begin -->\n([\s\S]*?)<!-- options:end -->/.exec(readme)?.[1];
  assert.ok(table, 'README has the options markers');
  assert.equal(table.trim(), renderOptionTable(FARM_OPTIONS), 'README.md is stale: run npm run readme');
  assert.equal(table.trim().split('\n').length, 2 + Object.keys(FARM_OPTIONS).length);
  assert.match(table, /\| `--max-hold-ms` \(ms\) \| `BADORIGIN_MAX_HOLD_MS` \| `600000` \|/);
});
