/** One benchmark figure as bench/results/latest.json records it. */
export interface Figure {
  /** Stable id, `<scenario or subject>.<what>`, e.g. `tls-ok.keepalive`. */
  name: string;
  /** The benchmark group (`npm run bench -- <group>`) that measured it; set by bench/run.ts. */
  group?: string;
  what: string;
  unit: string;
  value: number;
  /** The peer's figure from the same run on the same machine, and value / peer. */
  peer?: { name: string; value: number; ratio: number };
  /** The target as text (`< 256 MiB`, `>= 0.6 x nginx`), or `informative`. */
  target: string;
  met: boolean;
  /** Setup and spread: what a reader needs to judge the figure. */
  detail?: string;
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
