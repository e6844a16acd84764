import { FARM_ERRORS } from './errors.js';
import { envName, flagName, rangeText, type OptionSpec, type OptionSpecs } from './options/spec.js';

const code = (value: unknown) => `\`${String(value)}\``;

function defaultCell(spec: OptionSpec): string {
  if (spec.default === undefined) return '';
  if (spec.cliDefault === undefined || spec.cliDefault === spec.default) return code(spec.default);
  return `${code(spec.cliDefault)} (library: ${code(spec.default)})`;
}

function meaningCell(spec: OptionSpec): string {
  const parts = [spec.help.replace(/\|/g, '\\|')];
  if (spec.choices) parts.push(`one of ${spec.choices.map(code).join(', ')}`);
  const range = rangeText(spec);
  if (range) parts.push(range);
  return parts.join('; ');
}

/**
 * The README's option table (markdown) of `specs`: flag with its unit, `BADORIGIN_*` variable, default (CLI, and the
 * library's where it differs), meaning. test/readme.test.ts checks the README holds exactly this.
 */
export function renderOptionTable(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag =
      spec.kind === 'boolean' && spec.default === true
        ? `\`--${flagName(name)}\`, \`--no-${flagName(name)}\``
        : code(`--${flagName(name)}`);
    const unit = spec.unit ? ` (${spec.unit})` : spec.kind === 'list' || spec.kind === 'names' ? ' (list)' : '';
    return `| ${flag}${unit} | ${code(envName(name))} | ${defaultCell(spec)} | ${meaningCell(spec)} |`;
  });
  return ['| Option | Variable | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The README's error table (markdown): every `FarmError` code and what it means. */
export function renderErrorTable(): string {
  const rows = Object.entries(FARM_ERRORS).map(([code, { meaning }]) => `| \`${code}\` | ${meaning} |`);
  return ['| Code | Meaning |', '| --- | --- |', ...rows].join('\n');
}

/** The block of `readme` between `<!-- name:begin -->` and `<!-- name:end -->`, or undefined without the markers. */
export function readmeBlock(readme: string, name: string): string | undefined {
  return new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(readme)?.[1];
}

/** `readme` with the block between `<!-- name:begin -->` and `<!-- name:end -->` replaced by `table`. */
export function spliceBlock(readme: string, name: string, table: string): string {
  return readme.replace(
    new RegExp(`(<!-- ${name}:begin -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`),
    (_match, begin: string, end: string) => `${begin}${table}\n${end}`,
  );
}
