// bench/results/latest.json: every figure of the last run of each group, so `npm run bench -- <group>` replaces that
// group's figures and keeps the others'.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Figure } from './figure.js';

/** When and where one group was measured. */
export interface GroupRun {
  measuredAt: string;
  node: string;
  cpus: number;
  model?: string;
  /** 1-minute load average when the group started (os.loadavg): above ~0.5 on this 2-core machine, other work ran. */
  loadavg1: number;
}

/** The shape of bench/results/latest.json. */
export interface BenchResults {
  format: 'badorigin-bench/2';
  /** Time of the last write (of any group). */
  generatedAt: string;
  groups: Record<string, GroupRun>;
  /** In the order of `groupOrder` (bench/run.ts), each group's figures in the order it reports them. */
  figures: Figure[];
}

/**
 * Reads `file`, or returns an empty result set when it does not exist or predates the `groups` format (the first
 * bench/run.ts wrote no groups, so its figures cannot be merged).
 * @throws SyntaxError when the file exists but is not JSON.
 */
export function readResults(file: string): BenchResults {
  const empty: BenchResults = { format: 'badorigin-bench/2', generatedAt: new Date(0).toISOString(), groups: {}, figures: [] };
  if (!existsSync(file)) return empty;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchResults>;
  return parsed.format === 'badorigin-bench/2' ? (parsed as BenchResults) : empty;
}

/**
 * Replaces the figures of the groups in `fresh` (group name → its run and figures) and keeps every other group's,
 * ordered by `groupOrder`.
 */
export function mergeResults(
  previous: BenchResults,
  fresh: Record<string, { run: GroupRun; figures: Figure[] }>,
  groupOrder: string[],
): BenchResults {
  const groups: Record<string, GroupRun> = {};
  const figures: Figure[] = [];
  for (const name of groupOrder) {
    const update = fresh[name];
    const run = update?.run ?? previous.groups[name];
    if (!run) continue;
    groups[name] = run;
    figures.push(...(update ? update.figures.map((f) => ({ ...f, group: name })) : previous.figures.filter((f) => f.group === name)));
  }
  return { format: 'badorigin-bench/2', generatedAt: new Date().toISOString(), groups, figures };
}

/** Writes `results` as indented JSON with a final newline. */
export function writeResults(file: string, results: BenchResults): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
