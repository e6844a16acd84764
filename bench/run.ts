// npm run bench: measures the farm, merges the figures into bench/results/latest.json, rewrites README.md's
// performance table from it and prints that table. Every comparison with a peer is a ratio taken in the same run on
// the same machine. Never part of npm test. `npm run bench -- hold oversized` runs only the named groups and keeps
// the other groups' figures from the previous run.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.js';
import { handshakeFigures } from './handshakes.js';
import { holdFigures } from './hold.js';
import { holdPeerFigures } from './hold-peers.js';
import { oversizedFigures } from './oversized.js';
import { mergeResults, readResults, writeResults, type GroupRun } from './results.js';
import { startupFigures } from './startup.js';
import { renderFigureTable, spliceReadmeBlock } from './table.js';
import { tlsThroughputFigures } from './tls-throughput.js';
import { verifyNginxFigures } from './verify-nginx.js';

const groups: Record<string, () => Figure[] | Promise<Figure[]>> = {
  startup: startupFigures,
  tls: tlsThroughputFigures,
  handshakes: handshakeFigures,
  hold: holdFigures,
  'hold-peers': holdPeerFigures,
  oversized: oversizedFigures,
  verify: verifyNginxFigures,
};
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(groups);
for (const name of wanted) if (!groups[name]) throw new Error(`unknown benchmark group ${name}; known: ${Object.keys(groups).join(', ')}`);

const fresh: Record<string, { run: GroupRun; figures: Figure[] }> = {};
for (const name of wanted) {
  const run: GroupRun = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    model: cpus()[0]?.model,
    loadavg1: loadavg()[0]!,
  };
  const started = performance.now();
  try {
    fresh[name] = { run, figures: await groups[name]!() };
    process.stderr.write(`bench ${name}: ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  } catch (error) {
    // A missing peer (nginx, Java) or a server that does not start: one line, the group's previous figures kept.
    process.stderr.write(`bench ${name}: not measured: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

const resultsFile = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const results = mergeResults(readResults(resultsFile), fresh, Object.keys(groups));
writeResults(resultsFile, results);
const readmeFile = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readmeFile, spliceReadmeBlock(readFileSync(readmeFile, 'utf8'), results));
process.stdout.write(`${renderFigureTable(results.figures)}\n\nwritten: ${resultsFile}, README.md performance table\n`);
