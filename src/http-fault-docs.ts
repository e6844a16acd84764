import type { CatalogueEntry } from './catalogue.js';
import { HTTP_FAULTS } from './listeners/http/faults/index.js';
import { OVERRIDES, type Override } from './listeners/http/params.js';

// The generated parts of the README and docs/http-faults.md that describe the HTTP faults: the scenarios of the
// `http-fault` mechanism and the per-request overrides, so adding a fault or changing a cap edits no prose.
// scripts/update-readme.ts writes them; test/readme.test.ts fails when one is stale.

const TLS_PORT_SHIFT = 100;

/** The scenarios of the `http-fault` mechanism, by offset. */
function httpFaultScenarios(entries: readonly CatalogueEntry[]): CatalogueEntry['scenario'][] {
  return entries
    .filter((entry) => entry.mechanism.name === 'http-fault')
    .map((entry) => entry.scenario)
    .sort((a, b) => a.offset - b.offset);
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** The README's list of HTTP faults: each scenario id and title (each also served as `<id>-tls` unless it says not). */
export function renderHttpFaultList(entries: readonly CatalogueEntry[]): string {
  return httpFaultScenarios(entries)
    .map((s) => `- \`${s.id}\`: ${s.title}${s.tls ? '' : ' (plain HTTP only)'}`)
    .join('\n');
}

/**
 * docs/http-faults.md's table of HTTP faults: id, ports (plain and `-tls`) from `basePort`, what it does (the
 * scenario's `fault`), and what Node and curl report (the scenario's expectations).
 */
export function renderHttpFaultTable(entries: readonly CatalogueEntry[], basePort: number): string {
  const rows = httpFaultScenarios(entries).map((s) => {
    const port = basePort + s.offset;
    const ports = s.tls ? `${port}, ${port + TLS_PORT_SHIFT}` : `${port}`;
    const curl = s.expect.curl ? [s.expect.curl.exit].flat().join(' or ') : '–';
    return `| \`${s.id}\` | ${ports} | ${cell(s.fault)} | ${s.expect.node.code ?? 'ok'} / ${curl} |`;
  });
  return ['| id | port, `-tls` | what it does | Node / curl |', '|---|---|---|---|', ...rows].join('\n');
}

const KIB = 1024;
const BINARY_UNITS = [
  [KIB ** 4, 'TiB'],
  [KIB ** 3, 'GiB'],
  [KIB ** 2, 'MiB'],
] as const;

/** The unit of an override's values, from its param's name: `…Ms` ms, `…S` seconds, sizes bytes. */
function unitOf(override: Override): 'ms' | 's' | 'bytes' | '' {
  if (override.param.endsWith('Ms')) return 'ms';
  if (override.param.endsWith('S')) return 's';
  return /bytes|length|size/i.test(override.param) ? 'bytes' : '';
}

/** `600000` ms as `600,000 ms`, 2^40 bytes as `1 TiB`, a count as `100,000`. */
function amount(value: number, unit: string): string {
  if (unit === 'bytes') {
    for (const [size, name] of BINARY_UNITS) if (value >= size && value % size === 0) return `${value / size} ${name}`;
  }
  const number = value.toLocaleString('en-US');
  return unit && unit !== 'bytes' ? `${number} ${unit}` : number;
}

/** The bounds of one override in words: `0–600,000 ms`, `1–1 TiB`, or its values. */
function boundsText(override: Override): string {
  if (override.values) return override.values.map((v) => `\`${v}\``).join(' \\| ');
  const unit = unitOf(override);
  const min = override.min ?? 0;
  return `${min}–${amount(override.max ?? Number.MAX_SAFE_INTEGER, unit)}`;
}

/** docs/http-faults.md's table of per-request overrides: query, param, bounds, and the faults that take it. */
export function renderOverrideTable(): string {
  const rows = OVERRIDES.map((o) => {
    const faults = HTTP_FAULTS.filter((f) => f.overrides.includes(o.param)).map((f) => f.name);
    return `| \`${o.query}\` | \`${o.param}\` | ${boundsText(o)} | ${faults.join(', ') || '–'} |`;
  });
  return ['| query | param | bounds | faults that take it |', '|---|---|---|---|', ...rows].join('\n');
}

/** `a`, `a and b`, `a, b and c`. */
const spoken = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/** The README's sentence on the caps of the numeric overrides, those with one cap together. */
export function renderOverrideCaps(): string {
  const byCap = new Map<string, string[]>();
  for (const o of OVERRIDES) {
    if (o.max === undefined) continue;
    const cap = amount(o.max, unitOf(o));
    byCap.set(cap, [...(byCap.get(cap) ?? []), `\`${o.query}\``]);
  }
  const parts = [...byCap].map(([cap, queries]) => `${spoken(queries)} at ${cap}`);
  return `Per-request overrides are capped, and a value past its cap gets a 400 naming it: ${parts.join('; ')}.`;
}
