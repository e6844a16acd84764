// npm run bench: measures the farm and writes bench/results/latest.json plus a markdown table on stdout.
// Every comparison with a peer is a ratio taken in the same run on the same machine. Never part of npm test.
// `npm run bench -- startup` runs only the named groups (startup, tls).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.js';
import { startupFigures } from './startup.js';
import { tlsThroughputFigures } from './tls-throughput.js';

const groups: Record<string, () => Figure[] | Promise<Figure[]>> = { startup: startupFigures, tls: tlsThroughputFigures };
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(groups);
const figures: Figure[] = [];
for (const name of wanted) {
  const group = groups[name];
  if (!group) throw new Error(`unknown benchmark group ${name}; known: ${Object.keys(groups).join(', ')}`);
  figures.push(...(await group()));
}

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'latest.json'),
  `${JSON.stringify({ generatedAt: new Date().toISOString(), machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model }, figures }, null, 2)}\n`,
);
const round = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
process.stdout.write('| figure | what | value | peer | ratio | target | met |\n|---|---|---|---|---|---|---|\n');
for (const f of figures) {
  const peer = f.peer ? `${f.peer.name}: ${round(f.peer.value)} ${f.unit}` : '–';
  process.stdout.write(`| ${f.name} | ${f.what}${f.detail ? ` (${f.detail})` : ''} | ${round(f.value)} ${f.unit} | ${peer} | ${f.peer ? `${f.peer.ratio.toFixed(2)}x` : '–'} | ${f.target} | ${f.met ? 'yes' : 'NO'} |\n`);
}
process.stdout.write(`\nwritten: ${join(resultsDir, 'latest.json')}\n`);
