/**
 * How an option is declared once: its kind, default, help and unit. The CLI flags (yargs), the `BADORIGIN_*`
 * variables, the `--config` file's keys, the library's option types and the README's option table are all derived
 * from tables of these.
 */
export interface OptionSpec {
  /**
   * `string`, `number`, `boolean`; `list`: repeatable on the command line, comma-separated, a string or a list of
   * strings elsewhere; `names`: one comma-separated string on the command line and in a `--config` file, a string or
   * a list of strings in the library.
   */
  readonly kind: 'string' | 'number' | 'boolean' | 'list' | 'names';
  /** One line for `--help` and the README. */
  readonly help: string;
  /** Default the library applies (and `--help` shows); absent when it is computed (the help says how). */
  readonly default?: string | number | boolean;
  /** Default of the CLI where it differs from the library's. */
  readonly cliDefault?: string | number | boolean;
  /** Unit of a number (`ms`, `bytes`, `port`…), shown as the flag's argument in the README. */
  readonly unit?: string;
  /** The values allowed. */
  readonly choices?: readonly string[];
  /** Smallest value of a number option (whole numbers only when `min` or `max` is set). */
  readonly min?: number;
  /** Largest value of a number option. */
  readonly max?: number;
  /** The library also takes `null` (turns the feature off). */
  readonly nullable?: true;
  /** A command-line switch only; the library has no such option. */
  readonly cliOnly?: true;
  /** The command fails without it. */
  readonly required?: true;
}

/** A table of options by camelCase name; the flag is its kebab-case form. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type KindValue<S extends OptionSpec> = S['kind'] extends 'number'
  ? number
  : S['kind'] extends 'boolean'
    ? boolean
    : S['kind'] extends 'list' | 'names'
      ? string | string[]
      : S['choices'] extends readonly (infer C)[]
        ? C
        : string;

/** The value of one option: its kind's type, or null where the option is nullable. */
export type OptionValue<S extends OptionSpec> = KindValue<S> | (S['nullable'] extends true ? null : never);

/** Values of a table's options, each optional (the library form: no `cliOnly` switches). */
export type OptionValues<T extends OptionSpecs> = { [K in keyof T as T[K]['cliOnly'] extends true ? never : K]?: OptionValue<T[K]> };

/** Values of a table's options as the CLI parses them, switches included. */
export type CliValues<T extends OptionSpecs> = { [K in keyof T]?: OptionValue<T[K]> };

/** `basePort` → `base-port`. */
export const flagName = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `basePort` → `BADORIGIN_BASE_PORT`, the variable yargs' `.env('BADORIGIN')` reads. */
export const envName = (name: string): string => `BADORIGIN_${flagName(name).toUpperCase().replace(/-/g, '_')}`;

/** The range of a bounded number option in words (`at least 1`, `0 to 1000000`), or undefined for an unbounded one. */
export function rangeText(spec: OptionSpec): string | undefined {
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `at least ${spec.min}`;
  return spec.max !== undefined ? `at most ${spec.max}` : undefined;
}

/** What is wrong with `value` for a bounded number option (`must be a whole number from 0 to 10, not 11`), or undefined. */
export function rangeProblem(spec: OptionSpec, value: unknown): string | undefined {
  const range = rangeText(spec);
  if (range === undefined || typeof value !== 'number') return undefined;
  const fits = Number.isInteger(value) && value >= (spec.min ?? -Infinity) && value <= (spec.max ?? Infinity);
  if (fits) return undefined;
  if (spec.min === 1 && spec.max === undefined) return `must be a positive whole number, not ${value}`;
  return spec.min !== undefined && spec.max !== undefined
    ? `must be a whole number from ${range}, not ${value}`
    : `must be a whole number ${range}, not ${value}`;
}

/** Whether `value` is one `spec` allows (null only where it is nullable). */
export function fitsSpec(spec: OptionSpec, value: unknown): boolean {
  if (value === null) return spec.nullable === true;
  const isString = (v: unknown): v is string => typeof v === 'string';
  switch (spec.kind) {
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
    case 'names':
      return isString(value) || (Array.isArray(value) && value.every(isString));
    case 'string':
      return isString(value) && (!spec.choices || spec.choices.includes(value));
  }
}

function conforms<T extends OptionSpecs>(specs: T, values: Record<string, unknown>): values is CliValues<T> {
  return Object.entries(values).every(
    ([name, value]) => value === undefined || (specs[name] !== undefined && fitsSpec(specs[name], value)),
  );
}

/**
 * The options of `specs` found in `source` (parsed arguments: camelCase keys), checked against their kinds.
 * @throws TypeError naming the first option whose value is not of its kind (a parser bug, not a user error: yargs
 *   and the `--config` reader coerce and check values first).
 */
export function readOptions<T extends OptionSpecs>(specs: T, source: Readonly<Record<string, unknown>>): CliValues<T> {
  const picked = Object.fromEntries(
    Object.keys(specs)
      .filter((name) => source[name] !== undefined)
      .map((name) => [name, source[name]]),
  );
  if (conforms(specs, picked)) return picked;
  const wrong = Object.keys(picked).find((name) => !fitsSpec(specs[name]!, picked[name]));
  throw new TypeError(`--${flagName(wrong ?? '?')}: ${JSON.stringify(picked[wrong ?? ''])} is not a ${specs[wrong ?? '']?.kind}`);
}
