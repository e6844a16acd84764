import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Figure } from '../bench/figure.js';
import { mergeResults, readResults, type BenchResults, type GroupRun } from '../bench/results.js';
import { formatNumber, renderFigureTable } from '../bench/table.js';

const run = (measuredAt: string): GroupRun => ({ measuredAt, node: 'v20.20.2', cpus: 2, loadavg1: 0.1 });
const figure = (name: string, value: number): Figure => ({ name, what: name, unit: 'ms', value, target: '< 10 ms', met: value < 10 });

test('npm run bench -- <group> replaces that group and keeps the others, in group order', () => {
  const previous = mergeResults(
    readResults('/nonexistent/latest.json'),
    {
      startup: { run: run('t1'), figures: [figure('startup.cold', 5)] },
      tls: { run: run('t1'), figures: [figure('tls-ok.keepalive', 7)] },
    },
    ['startup', 'tls', 'hold'],
  );
  const merged = mergeResults(
    previous,
    {
      hold: { run: run('t2'), figures: [figure('slow-first-byte.held.rss', 3)] },
      startup: { run: run('t2'), figures: [figure('startup.cold', 12)] },
    },
    ['startup', 'tls', 'hold'],
  );
  assert.deepEqual(
    merged.figures.map((f) => [f.group, f.name, f.value]),
    [
      ['startup', 'startup.cold', 12],
      ['tls', 'tls-ok.keepalive', 7],
      ['hold', 'slow-first-byte.held.rss', 3],
    ],
  );
  assert.deepEqual(Object.fromEntries(Object.entries(merged.groups).map(([name, r]) => [name, r.measuredAt])), {
    startup: 't2',
    tls: 't1',
    hold: 't2',
  });
});

test('a results file of the first format (no groups) is not merged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-test-'));
  try {
    writeFileSync(join(dir, 'latest.json'), JSON.stringify({ generatedAt: 'x', machine: {}, figures: [figure('startup.cold', 5)] }));
    const results: BenchResults = readResults(join(dir, 'latest.json'));
    assert.deepEqual(results.figures, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the table shows value, peer, ratio, target and whether it is met', () => {
  const table = renderFigureTable([
    { ...figure('a', 12.5), peer: { name: 'nginx', value: 25, ratio: 0.5 } },
    { ...figure('b', 45_600), unit: 'req/s', target: 'informative', met: true },
  ]);
  assert.equal(table.split('\n')[2], '| a | 12.5 ms | nginx 25.0 | 0.50× | < 10 ms | **no** |');
  assert.equal(table.split('\n')[3], '| b | 45.6k req/s | – | – | informative | – |');
  assert.equal(formatNumber(1416.2), '1,416');
});
