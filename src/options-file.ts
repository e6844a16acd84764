import { readFileSync } from 'node:fs';
import { FARM_ERRORS, FarmError, farmError } from './errors.js';
import { envName, flagName, type OptionSpec, type OptionSpecs } from './options/spec.js';

/** Why `value` does not fit `spec` in a `--config` file (a `names` option is one comma-separated string there), or null. */
function misfit(spec: OptionSpec, value: unknown): string | null {
  const isString = (v: unknown) => typeof v === 'string';
  if (spec.kind === 'list')
    return isString(value) || (Array.isArray(value) && value.every(isString)) ? null : 'is not a string or a list of strings';
  if (spec.kind === 'number') return typeof value === 'number' ? null : 'is not a number';
  if (spec.kind === 'boolean') return typeof value === 'boolean' ? null : 'is not true or false';
  if (!isString(value)) return 'is not a string';
  return spec.choices && !spec.choices.includes(value) ? `is not one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}` : null;
}

/**
 * The JSON options file of `--config FILE` (an object whose keys are long option names, kebab-case or camelCase),
 * read once and remembered, so an error about a value it set can name the file and the key.
 */
export class OptionsFile {
  private file: string | null = null;
  private keys = new Set<string>();

  /**
   * Reads and checks `file` against the options of the command: every key must be one of them, every value of its
   * type (a number, a string, a boolean, or for lists a string or an array of strings) and among its choices.
   * @returns the options it sets, for yargs to merge under the command line and the environment.
   * @throws FarmError BAD_CONFIG (exit code 2), one line naming the file (and the key): no such file, not valid
   *   JSON, not an object, unknown key, wrong type or value.
   */
  read(file: string, options: OptionSpecs): Record<string, unknown> {
    const fail = (why: string) => farmError('BAD_CONFIG', file, why);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw fail(code === 'ENOENT' ? 'no such file' : (error as Error).message);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw fail(`not valid JSON: ${(error as Error).message}`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw fail('not a JSON object of options');
    const known = new Map(Object.entries(options).map(([name, spec]) => [flagName(name), spec]));
    for (const [key, value] of Object.entries(data)) {
      const name = flagName(key);
      const spec = known.get(name);
      if (!spec) throw fail(`unknown key "${key}" (known: ${[...known.keys()].join(', ')})`);
      const problem = misfit(spec, value);
      if (problem) throw fail(`"${key}": ${JSON.stringify(value)} ${problem}`);
      this.keys.add(name);
    }
    this.file = file;
    return Object.fromEntries(Object.entries(data));
  }

  /**
   * `error` reworded to name the file and key when it is about an option (its message starts with `--<name> `) whose
   * value came from the file, i.e. neither `args` (the command line) nor `env` (as BADORIGIN_<NAME>) set it;
   * otherwise `error` itself.
   */
  attribute(error: FarmError, args: string[], env: NodeJS.ProcessEnv = process.env): FarmError {
    const match = /^--([a-z][a-z0-9-]*)(\s[\s\S]*)$/.exec(error.message);
    if (!this.file || !match) return error;
    const name = match[1]!;
    const onCommandLine = args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}`);
    const inEnvironment = env[envName(name)] !== undefined;
    if (!this.keys.has(name) || onCommandLine || inEnvironment) return error;
    return new FarmError(error.code, FARM_ERRORS.BAD_CONFIG.message(this.file, `"${name}":${match[2]}`), error.exitCode);
  }
}
