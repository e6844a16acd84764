import { Type, type Static } from 'typebox';

/** Longest phase of `phases`, in ms (a day). */
export const MAX_PHASE_MS = 86_400_000;
/** Largest `failFirst` and `every`. */
export const MAX_BEHAVIOUR_COUNT = 1_000_000;

const Count = (minimum: number) => Type.Integer({ minimum, maximum: MAX_BEHAVIOUR_COUNT });
const PhaseMs = Type.Integer({ minimum: 1, maximum: MAX_PHASE_MS });

/**
 * `behaviour` of a scenario: which connections get the listener's fault and which its control (the healthy
 * listener of `CONTROLS`, src/listeners/control.ts), counted from the listener's start or its last reset. Exactly one of:
 * - `failFirst: N`: connections 1…N get the fault, later ones the control;
 * - `every: N`: connections N, 2N, 3N… get the fault, the others the control;
 * - `probability: p` (0–1) with `seed` (0–2³²−1): each connection gets the fault with probability p, drawn from a
 *   PRNG seeded with `seed` (mulberry32), so a seed gives the same sequence on every run; without a seed, a random one;
 * - `phases`: a cycle of `{healthyMs}` (control) and `{failingMs}` (fault) periods, in ms, repeated from the start.
 */
export const BehaviourSchema = Type.Union(
  [
    Type.Object({ failFirst: Count(0) }, { additionalProperties: false }),
    Type.Object({ every: Count(1) }, { additionalProperties: false }),
    Type.Object(
      { probability: Type.Number({ minimum: 0, maximum: 1 }), seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        phases: Type.Array(
          Type.Union([
            Type.Object({ healthyMs: PhaseMs }, { additionalProperties: false }),
            Type.Object({ failingMs: PhaseMs }, { additionalProperties: false }),
          ]),
          { minItems: 1, maxItems: 16 },
        ),
      },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'Which connections get the fault and which the healthy control listener: failFirst, every, probability (with seed), or phases.',
  },
);
export type Behaviour = Static<typeof BehaviourSchema>;

/** What one connection gets: the listener's fault, or its control. */
export type Verdict = 'fault' | 'control';

/** Decides, connection by connection, what each gets; `reset` starts the count (the clock, the PRNG) over. */
export interface Chooser {
  /** The verdict of the next connection, and a one-line reason (`failFirst 2: connection 1`). */
  next(): { verdict: Verdict; detail: string };
  reset(): void;
}

/** mulberry32: a 32-bit PRNG, uniform in [0, 1); the same seed gives the same sequence. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The verdict at `elapsed` ms into a cycle of phases. */
function phaseVerdict(phases: Extract<Behaviour, { phases: unknown }>['phases'], elapsed: number): { verdict: Verdict; detail: string } {
  const lengths = phases.map((p) => ('healthyMs' in p ? p.healthyMs : p.failingMs));
  const cycle = lengths.reduce((a, b) => a + b, 0);
  let at = elapsed % cycle;
  for (const [i, phase] of phases.entries()) {
    if (at < lengths[i]!)
      return { verdict: 'healthyMs' in phase ? 'control' : 'fault', detail: `phase ${i + 1} of ${phases.length}, ${Math.floor(at)} ms in` };
    at -= lengths[i]!;
  }
  return { verdict: 'control', detail: 'phase boundary' };
}

/** The chooser of a behaviour; `now` gives ms on a monotonic clock (for phases). */
export function chooser(behaviour: Behaviour, now: () => number = () => performance.now()): Chooser {
  let count = 0;
  let started = now();
  const seed = 'probability' in behaviour ? (behaviour.seed ?? Math.floor(Math.random() * 0x100000000)) : 0;
  let draw = mulberry32(seed);
  return {
    next() {
      count += 1;
      if ('failFirst' in behaviour)
        return {
          verdict: count <= behaviour.failFirst ? 'fault' : 'control',
          detail: `failFirst ${behaviour.failFirst}: connection ${count}`,
        };
      if ('every' in behaviour)
        return { verdict: count % behaviour.every === 0 ? 'fault' : 'control', detail: `every ${behaviour.every}: connection ${count}` };
      if ('probability' in behaviour) {
        const value = draw();
        return {
          verdict: value < behaviour.probability ? 'fault' : 'control',
          detail: `probability ${behaviour.probability}, seed ${seed}: connection ${count} drew ${value.toFixed(4)}`,
        };
      }
      return phaseVerdict(behaviour.phases, now() - started);
    },
    reset() {
      count = 0;
      started = now();
      draw = mulberry32(seed);
    },
  };
}
