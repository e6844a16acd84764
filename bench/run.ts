// npm run bench: measures the farm and writes bench/results/latest.json plus a markdown table on stdout.
// Figures: start-up of the whole farm, cold (fresh keys and certificates) and warm (cached), each in a fresh
// process so no run profits from another's JIT or caches. Later issues add throughput and held-connection figures.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const once = fileURLToPath(new URL('./startup-once.ts', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

function startup(certsDir: string): { ms: number; listeners: number } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', once, certsDir], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`startup-once failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { ms: number; listeners: number };
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: values.length };
};

const COLD_RUNS = 5;
const WARM_RUNS = 9;
const cold: number[] = [];
const warm: number[] = [];
let listeners = 0;
for (let i = 0; i < COLD_RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-'));
  try {
    const first = startup(dir);
    cold.push(first.ms);
    listeners = first.listeners;
    if (i === 0) for (let j = 0; j < WARM_RUNS; j++) warm.push(startup(dir).ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const figures = [
  { name: 'startup.cold', what: `whole farm (${listeners} listeners), fresh certs dir`, unit: 'ms', ...stats(cold), target: '< 2000' , pass: stats(cold).median < 2000 },
  { name: 'startup.warm', what: `whole farm (${listeners} listeners), cached certificates`, unit: 'ms', ...stats(warm), target: '< 300', pass: stats(warm).median < 300 },
];
const result = {
  generatedAt: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model },
  figures,
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);

const fmt = (n: number) => n.toFixed(1);
process.stdout.write('| figure | what | median | min | max | runs | target | met |\n|---|---|---|---|---|---|---|---|\n');
for (const f of figures) {
  process.stdout.write(`| ${f.name} | ${f.what} | ${fmt(f.median)} ${f.unit} | ${fmt(f.min)} | ${fmt(f.max)} | ${f.runs} | ${f.target} ${f.unit} | ${f.pass ? 'yes' : 'NO'} |\n`);
}
process.stdout.write(`\nwritten: ${join(resultsDir, 'latest.json')}\n`);
