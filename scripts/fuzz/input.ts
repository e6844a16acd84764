import type { Rng } from './random.js';

/**
 * One fuzz input: the bytes a connection sends, how they are cut into TCP writes, and how the connection ends.
 * `chunks[i]` is written `gapsMs[i]` ms after the previous write (0 = at once, in the same tick).
 */
export interface FuzzInput {
  chunks: Buffer[];
  gapsMs: number[];
  /** After the last write: half-close (FIN), stay open until the farm acts or the deadline, or reset (RST). */
  end: 'fin' | 'open' | 'rst';
  /** What the generator did, e.g. `mutated:length-lie+fragmented`; the summary counts inputs by its first word. */
  kind: string;
}

/**
 * Cuts `bytes` into TCP writes: mostly one write, else 2–`maxPieces` pieces at random offsets, the later ones after
 * 0–`maxGapMs` ms (slowloris-style fragments, bounded so a run stays fast).
 */
export function deliver(
  bytes: Buffer,
  rng: Rng,
  kind: string,
  options: { maxPieces?: number; maxGapMs?: number; splitChance?: number } = {},
): FuzzInput {
  const { maxPieces = 10, maxGapMs = 3, splitChance = 0.2 } = options;
  const end = (['fin', 'rst', 'open'] as const)[rng.weighted([85, 11, 4])]!;
  if (bytes.length < 2 || !rng.chance(splitChance)) return { chunks: [bytes], gapsMs: [0], end, kind };
  const cuts = new Set<number>();
  const pieces = rng.range(2, maxPieces);
  while (cuts.size < Math.min(pieces - 1, bytes.length - 1)) cuts.add(rng.range(1, bytes.length - 1));
  const offsets = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  const chunks = offsets.slice(1).map((to, i) => bytes.subarray(offsets[i]!, to));
  return { chunks, gapsMs: chunks.map((_, i) => (i === 0 ? 0 : rng.int(maxGapMs + 1))), end, kind: `${kind}+split` };
}
