// Start-up of the whole farm, cold (fresh keys and certificates) and warm (cached), each in a fresh process so no
// run profits from another's JIT or caches. Times startFarm() until every listener is bound (bench/startup-once.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Figure } from './figure.js';

const once = fileURLToPath(new URL('./startup-once.ts', import.meta.url));

function startup(certsDir: string): { ms: number; listeners: number } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', once, certsDir], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`startup-once failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { ms: number; listeners: number };
}

/** Cold: 5 fresh certs directories; warm: 9 starts on a cached one. */
export function startupFigures(): Figure[] {
  const cold: number[] = [];
  const warm: number[] = [];
  let listeners = 0;
  for (let i = 0; i < 5; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-'));
    try {
      const first = startup(dir);
      cold.push(first.ms);
      listeners = first.listeners;
      if (i === 0) for (let j = 0; j < 9; j++) warm.push(startup(dir).ms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const range = (values: number[]) =>
    `median of ${values.length}, min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)}`;
  return [
    {
      name: 'startup.cold',
      what: `whole farm (${listeners} listeners), fresh certs dir`,
      unit: 'ms',
      value: median(cold),
      target: '< 2000 ms',
      met: median(cold) < 2000,
      detail: range(cold),
    },
    {
      name: 'startup.warm',
      what: `whole farm (${listeners} listeners), cached certificates`,
      unit: 'ms',
      value: median(warm),
      target: '< 300 ms',
      met: median(warm) < 300,
      detail: range(warm),
    },
  ];
}
