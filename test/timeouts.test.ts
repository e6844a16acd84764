import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCatalogue } from '../src/catalogue.js';
import { sourceOf } from '../src/cdn/sources.js';
import { CDN_TIMEOUTS } from '../src/cdn/timeouts.js';
import { renderTimeoutsMarkdown } from '../src/cdn/timeouts-markdown.js';

const docsDir = fileURLToPath(new URL('../../shared/docs/', import.meta.url));
const params = (id: string) => loadCatalogue().find((e) => e.scenario.id === id)!.scenario.params as Record<string, number>;
const defaults = (...kinds: string[]) => CDN_TIMEOUTS.filter((t) => kinds.includes(t.kind) && t.defaultMs !== null);

test('docs/timeouts.md is what src/cdn/timeouts.ts renders', () => {
  assert.equal(
    readFileSync(new URL('../docs/timeouts.md', import.meta.url), 'utf8'),
    renderTimeoutsMarkdown(),
    'docs/timeouts.md is stale: run npm run readme',
  );
});

test('slow-first-byte waits past every documented first-byte and overall default', () => {
  const delayMs = params('slow-first-byte').delayMs!;
  const rows = defaults('first-byte', 'overall');
  assert.ok(rows.length >= 8);
  for (const row of rows)
    assert.ok(delayMs > row.defaultMs!, `${row.cdn} ${row.name}: ${row.defaultMs} ms is not exceeded by ${delayMs} ms`);
});

test('slow-drip keeps every gap under the between-bytes defaults and lasts past the overall ones', () => {
  const { chunks, intervalMs } = params('slow-drip') as { chunks: number; intervalMs: number };
  for (const row of defaults('between-bytes')) assert.ok(intervalMs < row.defaultMs!, `${row.cdn} ${row.name}`);
  for (const row of defaults('overall')) assert.ok(chunks * intervalMs > row.defaultMs!, `${row.cdn} ${row.name}`);
});

test('every timeout quotes its source verbatim (whitespace aside) and cites a registered document', (t) => {
  for (const row of CDN_TIMEOUTS) assert.ok(sourceOf(row.source.split(' § ')[0]!), row.source);
  if (!existsSync(docsDir)) {
    if (process.env.CI === 'true') throw new Error(`CI must have the CDN documents beside the clone (${docsDir})`);
    return t.skip('the CDN documents are not beside this checkout');
  }
  const squash = (text: string) => text.replace(/\s+/g, ' ').toLowerCase();
  for (const row of CDN_TIMEOUTS) {
    const [doc, section] = row.source.split(' § ') as [string, string];
    const text = squash(readFileSync(`${docsDir}${doc}.txt`, 'utf8'));
    assert.ok(text.includes(squash(section)), `${row.name}: no section "${section}" in ${doc}`);
    assert.ok(text.includes(squash(row.quote)), `${row.name}: the quote is not in ${doc}`);
  }
});
