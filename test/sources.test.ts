import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { CDN_COLUMNS, CDN_EXPECTATION_SCHEMAS } from '../src/cdn/expectation.js';
import { renderSettingsTable } from '../src/cdn/settings.js';
import { readmeBlock } from '../src/readme-tables.js';
import { SOURCES, Source, citedDocIds, renderSourcesMarkdown, sourceOf } from '../src/cdn/sources.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const docsDir = fileURLToPath(new URL('../../shared/docs/', import.meta.url));

/** Every file under `dir` (relative to the package root) whose name ends in one of `extensions`. */
function files(dir: string, extensions: string[]): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)))
    .map((entry) => join(entry.parentPath, entry.name));
}

test('the source register is valid: unique ids, each entry as its schema says', () => {
  const validate = new Ajv({ allErrors: true }).compile(Source);
  for (const source of SOURCES) assert.ok(validate(source), `${source.id}: ${JSON.stringify(validate.errors)}`);
  assert.equal(new Set(SOURCES.map((s) => s.id)).size, SOURCES.length);
});

test('docs/sources.md is what the register renders', () => {
  assert.equal(
    readFileSync(join(root, 'docs/sources.md'), 'utf8'),
    renderSourcesMarkdown(),
    'docs/sources.md is stale: run npm run readme',
  );
});

test('the settings table of docs/cdns.md is what src/cdn/settings.ts renders', () => {
  const block = readmeBlock(readFileSync(join(root, 'docs/cdns.md'), 'utf8'), 'settings');
  assert.equal(
    block?.trim(),
    renderSettingsTable(Object.fromEntries(CDN_COLUMNS.map((c) => [c.key, c.name]))),
    'docs/cdns.md is stale: run npm run readme',
  );
});

test('every `<document> § <section>` in scenarios, schema, code, docs and README names a document of the register', () => {
  const shipped = [
    ...files('scenarios', ['.yaml', '.json']),
    ...files('src', ['.ts']),
    ...files('schema', ['.json']),
    ...files('docs', ['.md']),
    ...files('dashboard', ['.js', '.html']),
    join(root, 'README.md'),
  ];
  let cited = 0;
  for (const file of shipped) {
    const ids = citedDocIds(readFileSync(file, 'utf8'));
    cited += ids.length;
    for (const id of ids) assert.ok(sourceOf(id), `${file.slice(root.length)} cites ${id}, which docs/sources.md lacks`);
  }
  assert.ok(cited > 60, `only ${cited} citations found`);
  assert.deepEqual(citedDocIds('see fastly-generated-errors § Errors in VCL and RFC 6066 §3, README § Try it'), [
    'fastly-generated-errors',
  ]);
});

test('every CDN document at hand has a register entry with the title and address its header gives', (t) => {
  if (!existsSync(docsDir)) {
    if (process.env.CI === 'true') throw new Error(`CI must have the CDN documents beside the clone (${docsDir})`);
    return t.skip('the CDN documents are not beside this checkout');
  }
  for (const name of readdirSync(docsDir).filter((n) => n.endsWith('.txt'))) {
    const id = name.slice(0, -4);
    const entry = sourceOf(id);
    assert.ok(entry, `${id} has no register entry`);
    const url = /^url: (\S+)$/m.exec(readFileSync(join(docsDir, name), 'utf8'))?.[1];
    if (url) assert.equal(entry.url, url, `${id}: the register's URL is not the document's`);
  }
});

test('schema/scenario.schema.json takes each CDN expectation from src/cdn/expectation.ts', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schema/scenario.schema.json'), 'utf8'));
  for (const [key, definition] of Object.entries(CDN_EXPECTATION_SCHEMAS)) {
    assert.deepEqual(schema.definitions[`cdn-${key}`], JSON.parse(JSON.stringify(definition)), `cdn-${key} is stale: run npm run readme`);
    assert.deepEqual(schema.definitions.reporters.properties[key], { $ref: `#/definitions/cdn-${key}` });
  }
});
