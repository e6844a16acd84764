// Start-up, each run in a fresh process of the packaged farm (dist/, built once per bench run): startFarm cold (a
// fresh certs directory) and warm (cached certificates); the library, import of dist/index.js + startFarm; `node
// bin/badorigin.js serve` and `npm start` (as the README runs it) until the manifest file is written; and `node
// bin/badorigin.js manifest` until it exits. No run profits from another's JIT or module caches.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagedCli, plainScript } from './compile.js';
import { median, type Figure } from './figure.js';

const root = fileURLToPath(new URL('../', import.meta.url));
/** Runs per figure; the cold figure makes a certs directory per run. */
const RUNS = 9;
const COLD_RUNS = 5;

interface LibraryStart {
  importMs: number;
  startMs: number;
  cpuMs: number;
  listeners: number;
}

function libraryStart(once: string, certsDir: string): LibraryStart {
  const run = spawnSync(process.execPath, [once, join(root, 'dist/index.js'), certsDir], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`startup-once failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as LibraryStart;
}

/** ms from spawning `argv` until `file` exists; then SIGTERM, and resolves once the process has exited. */
async function untilWritten(argv: string[], file: string): Promise<number> {
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ms: number | undefined;
  for (let polls = 0; polls < 12_000 && child.exitCode === null; polls++) {
    if (existsSync(file)) {
      ms = performance.now() - started;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  child.kill('SIGTERM');
  await exited;
  rmSync(file, { force: true });
  if (ms === undefined) throw new Error(`${argv.join(' ')} wrote no manifest: ${stderr}`);
  return ms;
}

/** ms from spawning `argv` until it exits with status 0. */
function untilExit(argv: string[]): number {
  const started = performance.now();
  const run = spawnSync(argv[0]!, argv.slice(1), { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed: ${run.stderr}`);
  return ms;
}

/** Median of `runs` and its spread, with the 1-minute load average before and after: a loaded machine starts slower. */
function figure(name: string, what: string, targetMs: number, runs: number[], load: [number, number]): Figure {
  const value = median(runs);
  return {
    name,
    what,
    unit: 'ms',
    value,
    target: `< ${targetMs} ms`,
    met: value < targetMs,
    detail: `median of ${runs.length}, min ${Math.min(...runs).toFixed(0)}, max ${Math.max(...runs).toFixed(0)}; load average ${load[0].toFixed(2)} → ${load[1].toFixed(2)}`,
  };
}

/** Times `measure` `count` times, recording the load average around the runs. */
async function timed(count: number, measure: () => number | Promise<number>): Promise<{ runs: number[]; load: [number, number] }> {
  const before = loadavg()[0]!;
  const runs: number[] = [];
  for (let i = 0; i < count; i++) runs.push(await measure());
  return { runs, load: [before, loadavg()[0]!] };
}

/** The start-up figures; targets as the issue sets them (cold and warm as before). */
export async function startupFigures(): Promise<Figure[]> {
  const cli = await packagedCli();
  const once = plainScript('./startup-once.ts');
  const work = mkdtempSync(join(tmpdir(), 'badorigin-bench-'));
  const certsDir = join(work, 'certs');
  const manifestOut = join(work, 'manifest.json');
  try {
    let listeners = 0;
    const cold = await timed(COLD_RUNS, () => {
      const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-cold-'));
      try {
        const start = libraryStart(once, dir);
        listeners = start.listeners;
        return start.startMs;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    libraryStart(once, certsDir); // issues the certificates every later run takes from the cache
    const starts: LibraryStart[] = [];
    const warm = await timed(RUNS, () => {
      starts.push(libraryStart(once, certsDir));
      return starts.at(-1)!.startMs;
    });
    const farm = ['--base-port', '0', '--certs-dir', certsDir, '--manifest-out', manifestOut];
    const serve = await timed(RUNS, () => untilWritten([process.execPath, cli, 'serve', ...farm], manifestOut));
    const npmStart = await timed(RUNS, () => untilWritten(['npm', 'start', '--silent', '--', ...farm], manifestOut));
    const manifest = await timed(RUNS, () => untilExit([process.execPath, cli, 'manifest', '--certs-dir', certsDir]));
    const whole = `whole farm (${listeners} listeners)`;
    return [
      figure('startup.cold', `${whole}, startFarm, fresh certs dir`, 2000, cold.runs, cold.load),
      figure('startup.warm', `${whole}, startFarm, cached certificates`, 300, warm.runs, warm.load),
      figure(
        'startup.library',
        `${whole}, import of dist/index.js + startFarm, cached certificates`,
        300,
        starts.map((s) => s.importMs + s.startMs),
        warm.load,
      ),
      figure('startup.serve', `${whole}, node bin/badorigin.js serve until the manifest file is written`, 400, serve.runs, serve.load),
      figure('startup.npm-start', `${whole}, npm start until the manifest file is written`, 800, npmStart.runs, npmStart.load),
      figure('startup.manifest', 'node bin/badorigin.js manifest, spawn to exit', 250, manifest.runs, manifest.load),
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
