import type { Argv, Options } from 'yargs';
import { flagName, rangeText, type OptionSpec, type OptionSpecs } from './spec.js';

/** The yargs declaration of one option: its kind, CLI default, choices and help (with its unit and range). */
function yargsOption(spec: OptionSpec): Options {
  const fallback = spec.cliDefault ?? spec.default;
  const about = [spec.unit, rangeText(spec)].filter((part) => part !== undefined);
  return {
    type: spec.kind === 'list' || spec.kind === 'names' ? 'string' : spec.kind,
    ...(spec.kind === 'list' ? { array: true } : {}),
    ...(fallback !== undefined ? { default: fallback } : {}),
    ...(spec.choices ? { choices: [...spec.choices] } : {}),
    ...(spec.required ? { demandOption: true } : {}),
    describe: about.length > 0 ? `${spec.help} (${about.join(', ')})` : spec.help,
  };
}

/** The yargs options of a table, by flag name (kebab-case), in the table's order. */
export function yargsOptions(specs: OptionSpecs): Record<string, Options> {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [flagName(name), yargsOption(spec)]));
}

/** Declares every option of `specs` on `y`; `.env('BADORIGIN')` on the parser makes each a `BADORIGIN_*` variable too. */
export function declareOptions<T>(y: Argv<T>, specs: OptionSpecs) {
  return y.options(yargsOptions(specs));
}
