/** One benchmark figure as bench/results/latest.json records it. */
export interface Figure {
  name: string;
  what: string;
  unit: string;
  value: number;
  /** The peer's figure from the same run on the same machine, and value / peer. */
  peer?: { name: string; value: number; ratio: number };
  target: string;
  met: boolean;
  detail?: string;
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
