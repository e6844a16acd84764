import { deliver, type FuzzInput } from './input.js';
import type { Rng } from './random.js';

// Crafted fault specs (docs/crafted.md) for the crafted listeners: directives built from the grammar with values at
// and past every cap, the same with a few characters changed, and raw garbage; sent in the path (percent-encoded)
// or in the X-Badorigin-Fault header. Each is one GET on one connection, cut into writes by deliver().

const SIZES = ['0', '1', '16', '1k', '64k', '256k', '262145', '1m', '1g', '1t', '1024g', '2t', '9'.repeat(20), '00', '1K', '5M'];
const DURATIONS = ['0', '1', '10ms', '250', '1s', '2m', '10m', '11m', '600000', '600001', '9'.repeat(18), '5s'];
const TEXTS = ['', 'x', 'Vary:*', 'Content-Length:5', 'a b', 'Bad Name:x', '\\r\\n', '\\x00\\xff', '\\)', '\\(', 'a,b', 'é'];

function size(rng: Rng): string {
  return rng.chance(0.7) ? rng.pick(SIZES) : `${rng.int(1 << 20)}${rng.pick(['', 'k', 'm', 'g', 't'])}`;
}

function text(rng: Rng): string {
  if (rng.chance(0.6)) return rng.pick(TEXTS);
  const alphabet = 'abcXYZ012 :,;()*\\%/-\t';
  return Array.from({ length: rng.int(rng.chance(0.1) ? 3000 : 40) }, () => alphabet[rng.int(alphabet.length)]).join('');
}

const times = (rng: Rng): string => (rng.chance(0.25) ? `*${rng.pick(['0', '1', '3', '1000', '100000', '100001', '9'.repeat(12)])}` : '');
const sizeOrText = (rng: Rng): string => (rng.chance(0.6) ? size(rng) : `(${text(rng)})`);

/** One directive of the grammar with random values (src/listeners/http/crafted/grammar.ts). */
const DIRECTIVES: ((rng: Rng) => string)[] = [
  (rng) => `s${String(rng.int(1000)).padStart(3, '0')}${rng.chance(0.3) ? `(${text(rng)})` : ''}`,
  (rng) => `l(${text(rng)})`,
  (rng) => `h(${text(rng)})${times(rng)}`,
  (rng) => `hr(${text(rng)})${times(rng)}`,
  (rng) => `cl${rng.chance(0.5) ? size(rng) : ''}`,
  (rng) => `b${sizeOrText(rng)}${times(rng)}`,
  (rng) => `k${sizeOrText(rng)}${times(rng)}`,
  (rng) => `d${rng.pick(DURATIONS)}`,
  (rng) => `p${size(rng)}:${rng.chance(0.15) ? 'hold' : rng.pick(DURATIONS)}`,
  (rng) => `c${rng.chance(0.5) ? size(rng) : ''}`,
  (rng) => `r${rng.chance(0.5) ? size(rng) : ''}`,
  () => 'nohead',
];

/** A spec from the grammar: 1–12 directives (a few hundred at times, to pass the caps on steps and chunks). */
export function grammarSpec(rng: Rng): string {
  const count = rng.chance(0.03) ? rng.range(100, 400) : rng.range(1, 12);
  return Array.from({ length: count }, () => rng.pick(DIRECTIVES)(rng)).join(',');
}

/** `spec` with 1–4 characters deleted, inserted, replaced or doubled. */
function mutate(spec: string, rng: Rng): string {
  let s = spec;
  const alphabet = ',():*\\%0123456789kmgtshlbkdpcrx';
  for (let i = rng.range(1, 4); i > 0; i--) {
    const at = rng.int(s.length + 1);
    const c = alphabet[rng.int(alphabet.length)]!;
    const edit = rng.int(4);
    if (edit === 0) s = s.slice(0, at) + s.slice(at + 1);
    else if (edit === 1) s = s.slice(0, at) + c + s.slice(at);
    else if (edit === 2) s = s.slice(0, at) + c + s.slice(at + 1);
    else s = s.slice(0, at) + s.slice(Math.max(0, at - 5), at) + s.slice(at);
  }
  return s;
}

/** The spec of one input and its kind: from the grammar, mutated, or garbage. */
function spec(rng: Rng): { text: string; kind: string } {
  const kind = rng.weighted([45, 40, 15]);
  if (kind === 0) return { text: grammarSpec(rng), kind: 'spec-grammar' };
  if (kind === 1) return { text: mutate(grammarSpec(rng), rng), kind: 'spec-mutated' };
  return { text: rng.bytes(rng.int(rng.chance(0.1) ? 9000 : 200)).toString('latin1'), kind: 'spec-garbage' };
}

/**
 * Spec input number `rng`'s stream yields: a GET of `/crafted/<spec>` (percent-encoded as a client would, or at
 * times raw) or of `/` with the spec in X-Badorigin-Fault (control characters then stay: the farm's head reader
 * answers those), cut into writes and ended as deliver() says.
 */
export function specInput(rng: Rng): FuzzInput {
  const { text: s, kind } = spec(rng);
  const inHeader = rng.chance(0.4);
  const path = inHeader ? '/' : `/${rng.chance(0.2) ? 'prefix/' : ''}crafted/${rng.chance(0.9) ? encodeURIComponent(s) : s}`;
  const header = inHeader ? `X-Badorigin-Fault: ${s}\r\n` : '';
  const bytes = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n${header}\r\n`, 'latin1');
  return deliver(bytes, rng, `${kind}${inHeader ? ':header' : ':path'}`);
}
