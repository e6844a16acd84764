import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readResults } from '../bench/results.js';
import { spliceReadmeBlock } from '../bench/table.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest } from '../src/render.js';
import { FARM_ERRORS } from '../src/errors.js';
import { readmeBlock, renderErrorTable, renderOptionTable } from '../src/readme-tables.js';
import { FARM_OPTIONS } from '../src/options/table.js';
import { loadCatalogue } from '../src/catalogue.js';
import { renderHttpFaultList, renderHttpFaultTable, renderOverrideCaps, renderOverrideTable } from '../src/http-fault-docs.js';
import { HTTP_FAULTS } from '../src/listeners/http/faults/index.js';
import { OVERRIDES } from '../src/listeners/http/params.js';
import { VERIFY_OPTIONS } from '../src/verify/options.js';
import { runClient } from '../src/clients/run-client.js';
import { tempDir } from './helpers/farm.js';

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
  const table = readmeBlock(readme, 'options');
  assert.ok(table, 'README has the options markers');
  assert.equal(table.trim(), renderOptionTable(FARM_OPTIONS), 'README.md is stale: run npm run readme');
  assert.equal(table.trim().split('\n').length, 2 + Object.keys(FARM_OPTIONS).length);
  assert.match(table, /\| `--max-hold-ms` \(ms\) \| `BADORIGIN_MAX_HOLD_MS` \| `600000` \|/);
});

test('the README error table lists every FarmError code of src/errors.ts', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readmeBlock(readme, 'errors');
  assert.ok(table, 'README has the errors markers');
  assert.equal(table.trim(), renderErrorTable(), 'README.md is stale: run npm run readme');
  for (const code of Object.keys(FARM_ERRORS)) assert.ok(table.includes(`| \`${code}\` |`), code);
});

test('the README verify option table is what src/verify/options.ts declares', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readmeBlock(readme, 'verify-options');
  assert.ok(table, 'README has the verify-options markers');
  assert.equal(table.trim(), renderOptionTable(VERIFY_OPTIONS), 'README.md is stale: run npm run readme');
  assert.equal(table.trim().split('\n').length, 2 + Object.keys(VERIFY_OPTIONS).length);
});

test('the README list of HTTP faults and the caps of their overrides are generated from the catalogue and src/listeners/http/', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const catalogue = loadCatalogue();
  const list = readmeBlock(readme, 'http-faults');
  assert.ok(list, 'README has the http-faults markers');
  assert.equal(list.trim(), renderHttpFaultList(catalogue), 'README.md is stale: run npm run readme');
  const http = catalogue.filter((entry) => entry.mechanism.name === 'http-fault');
  for (const { scenario } of http) assert.ok(list.includes(`- \`${scenario.id}\`:`), scenario.id);
  const caps = readmeBlock(readme, 'override-caps');
  assert.ok(caps, 'README has the override-caps markers');
  assert.equal(caps.trim(), renderOverrideCaps(), 'README.md is stale: run npm run readme');
  assert.match(caps, /`delay_ms` and `interval_ms` at 600,000 ms/);
});

test("docs/http-faults.md's fault and override tables are generated: one row per http-fault scenario and per override", () => {
  const doc = readFileSync(new URL('../docs/http-faults.md', import.meta.url), 'utf8');
  const catalogue = loadCatalogue();
  const faults = readmeBlock(doc, 'faults');
  assert.ok(faults, 'docs/http-faults.md has the faults markers');
  assert.equal(
    faults.trim(),
    renderHttpFaultTable(catalogue, FARM_OPTIONS.basePort.default),
    'docs/http-faults.md is stale: run npm run readme',
  );
  const http = catalogue.filter((entry) => entry.mechanism.name === 'http-fault');
  assert.equal(faults.trim().split('\n').length, 2 + http.length);
  const used = new Set(http.map(({ scenario }) => scenario.params.fault));
  for (const fault of HTTP_FAULTS) assert.ok(used.has(fault.name), `fault ${fault.name} has a scenario in the table`);
  const overrides = readmeBlock(doc, 'overrides');
  assert.ok(overrides, 'docs/http-faults.md has the overrides markers');
  assert.equal(overrides.trim(), renderOverrideTable(), 'docs/http-faults.md is stale: run npm run readme');
  for (const { query } of OVERRIDES) assert.ok(overrides.includes(`| \`${query}\` |`), query);
});

test("the README's node:test fixture example runs and passes: the client under test retried twice", async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /<!-- fixture-example:begin -->\n```ts\n([\s\S]*?)```\n<!-- fixture-example:end -->/.exec(readme)?.[1];
  assert.ok(code, 'README has the fixture-example markers around a ts block');
  assert.match(code, /from 'badorigin';/);
  const work = tempDir('badorigin-readme-');
  try {
    const file = join(work.dir, 'fixture-example.test.ts');
    writeFileSync(file, code.replaceAll("from 'badorigin';", `from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};`));
    const run = await runClient(
      [
        'env',
        '-u',
        'NODE_TEST_CONTEXT',
        `XDG_DATA_HOME=${work.dir}`,
        process.execPath,
        '--import',
        'tsx',
        '--test',
        '--test-reporter=tap',
        file,
      ],
      120_000,
    );
    assert.equal(run.exit, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^# pass 1$/m);
  } finally {
    work.remove();
  }
});
