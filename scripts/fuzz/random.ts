/**
 * A small seeded PRNG (mulberry32) for the fuzzer: every input is a pure function of (seed, stream, index), so a
 * failing input is rebuilt from the numbers the fuzzer prints. Not for cryptography.
 */
export class Rng {
  private state: number;

  /** @param seed any 32-bit integer (taken modulo 2^32). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform integer in [0, 2^32). */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** A uniform integer in [0, n); 0 when n <= 0. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** A uniform integer in [lo, hi] (both included). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. @throws Error on an empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Calls one of `makers`, chosen uniformly (only the chosen one runs: for options that are costly to build). */
  choose<T>(makers: readonly (() => T)[]): T {
    return this.pick(makers)();
  }

  /** Picks an index by weight (weights >= 0, at least one > 0). */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** n pseudo-random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(this.u32(), i);
    if (i < n) {
      const v = this.u32();
      for (let j = 0; i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

/** Names of the independent input streams, so ClientHello input 7, HTTP input 7 and HTTP/2 input 7 differ. */
export type Stream = 'hello' | 'http' | 'h2' | 'soak' | 'spec' | 'scenario';

const STREAM_SALT: Record<Stream, number> = {
  hello: 0x68656c6c,
  http: 0x68747470,
  h2: 0x68322020,
  soak: 0x736f616b,
  spec: 0x73706563,
  scenario: 0x7363656e,
};

/** The generator of input `index` of `stream` under `seed` (independent of every other input). */
export function inputRng(seed: number, stream: Stream, index: number): Rng {
  // splitmix32-style mixing of the three numbers into one state.
  let h = (seed ^ STREAM_SALT[stream]) >>> 0;
  h = Math.imul(h ^ (index >>> 0), 0x9e3779b1) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h + index * 0x27d4eb2d, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return new Rng(h);
}
