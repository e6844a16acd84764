import { dump } from 'js-yaml';
import type { Rng } from './random.js';

// Scenario documents for the control API's POST /listeners (the schema of scenarios/*.yaml): catalogue scenarios
// under a fresh id, the same with values changed to the wrong type, size or mechanism, documents that are not
// scenarios at all (other JSON types, YAML tricks: aliases, tags, deep nesting, several documents), and garbage.

/** One scenario document to POST: its text, the id it asks for (when it has one), and the generator's kind. */
export interface ScenarioDocument {
  body: string;
  /** The `?port=` value: mostly `0` (ephemeral); at times not a port. Never a fixed port, which could be another program's. */
  port: string;
  kind: string;
}

const VALUES: ((rng: Rng) => unknown)[] = [
  () => null,
  () => true,
  (rng) => rng.pick([0, -1, 1, 99, 100, 199, 299, 300, 65535, 2 ** 31, 2 ** 53, 1e308, -0, 0.5]),
  (rng) => rng.pick(['', 'x', 'crafted', 'http-fault', 'tls', 'ok', 'bad-chunked', '0', '{}', 'é', '\u0000']),
  (rng) => 'z'.repeat(rng.pick([100, 5000, 70_000])),
  () => [],
  (rng) => Array.from({ length: rng.range(1, 5) }, (_, i) => i),
  () => ({}),
  (rng) => ({ fault: rng.pick(['ok', 'crafted', 'slow-first-byte', 'nope']), delayMs: rng.pick([0, 600_001, -5]) }),
];

type Doc = Record<string, unknown>;

/** Sets, deletes or adds one key somewhere in `doc` (at most two levels down). */
function mutateOnce(doc: Doc, rng: Rng, mechanisms: string[]): void {
  let target: Doc = doc;
  const nested = Object.values(doc).filter((v): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v));
  if (nested.length && rng.chance(0.5)) target = rng.pick(nested);
  const keys = Object.keys(target);
  const edit = rng.int(5);
  const key = keys.length ? rng.pick(keys) : 'x';
  if (edit === 0) delete target[key];
  else if (edit === 1) target[`extra${rng.int(10)}`] = rng.pick(VALUES)(rng);
  else if (edit === 2) doc.mechanism = rng.pick(mechanisms);
  else target[key] = rng.pick(VALUES)(rng);
}

/** YAML that is not a plain document: an alias bomb, tags, deep nesting, several documents, bad indentation. */
function yamlTrick(rng: Rng, id: string): string {
  switch (rng.int(6)) {
    case 0: {
      const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < rng.range(3, 9); i++)
        levels.push(
          `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10)
            .fill(`*${'abcdefghi'[i - 1]}`)
            .join(', ')}]`,
        );
      return `id: ${id}\n${levels.join('\n')}\n`;
    }
    case 1:
      return `id: ${id}\nparams: !!js/function 'function () {}'\noffset: !!binary aGVsbG8=\n`;
    case 2:
      return `id: ${id}\nparams: ${'['.repeat(rng.pick([50, 1000, 20_000]))}`;
    case 3:
      return `id: ${id}\n---\nid: ${id}-2\n`;
    case 4:
      return `id: ${id}\nid: ${id}\n  offset: 3\n\t- x`;
    default:
      return `{"id": "${id}", "params": {"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}}`;
  }
}

/**
 * Scenario document number `rng`'s stream yields, with `id` its fresh listener id: a catalogue scenario (`seeds`;
 * its offset stays, since `?port=0` binds an ephemeral port whatever it says) as is or mutated 1–4 times, as JSON or YAML; a YAML trick; another JSON type; or garbage.
 */
export function scenarioDocument(rng: Rng, seeds: readonly Doc[], id: string): ScenarioDocument {
  const port = rng.chance(0.95) ? '0' : rng.pick(['abc', '-1', '65536', '99999', '', '0x10']);
  const mechanisms = [...new Set(seeds.map((s) => String(s.mechanism)))];
  const kind = rng.weighted([15, 55, 12, 8, 10]);
  if (kind === 0 || kind === 1) {
    const doc: Doc = structuredClone(rng.pick(seeds));
    doc.id = id;
    if (kind === 1) for (let i = rng.range(1, 4); i > 0; i--) mutateOnce(doc, rng, mechanisms);
    const body = rng.chance(0.5) ? JSON.stringify(doc) : dump(doc, { skipInvalid: true });
    return { body, port, kind: kind === 0 ? 'scenario-valid' : 'scenario-mutated' };
  }
  if (kind === 2) return { body: yamlTrick(rng, id), port, kind: 'scenario-yaml' };
  if (kind === 3) return { body: JSON.stringify(rng.pick(VALUES)(rng)), port, kind: 'scenario-not-object' };
  return { body: rng.bytes(rng.int(rng.chance(0.05) ? 70_000 : 400)).toString('latin1'), port, kind: 'scenario-garbage' };
}
