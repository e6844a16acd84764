import { readFileSync } from 'node:fs';
import { FarmError } from './errors.js';

/**
 * The options a command takes, by long name (kebab-case), as yargs declares them: `key` holds every name; the lists
 * say which are strings, numbers, booleans or arrays; `choices` the allowed values of some.
 */
export interface OptionTable {
  key: Record<string, unknown>;
  string: string[];
  number: string[];
  boolean: string[];
  array: string[];
  choices: Record<string, unknown[]>;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

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
  read(file: string, options: OptionTable): Record<string, unknown> {
    const fail = (why: string) => new FarmError('BAD_CONFIG', `--config ${file}: ${why}`);
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
    const known = Object.keys(options.key).filter((name) => !['help', 'version', 'config'].includes(name));
    for (const [key, value] of Object.entries(data)) {
      const name = kebab(key);
      if (!known.includes(name)) throw fail(`unknown key "${key}" (known: ${known.join(', ')})`);
      const shown = JSON.stringify(value);
      const isString = (v: unknown) => typeof v === 'string';
      if (options.array.includes(name)) {
        if (!isString(value) && !(Array.isArray(value) && value.every(isString))) throw fail(`"${key}": ${shown} is not a string or a list of strings`);
      } else if (options.number.includes(name)) {
        if (typeof value !== 'number') throw fail(`"${key}": ${shown} is not a number`);
      } else if (options.boolean.includes(name)) {
        if (typeof value !== 'boolean') throw fail(`"${key}": ${shown} is not true or false`);
      } else if (options.string.includes(name) && !isString(value)) {
        throw fail(`"${key}": ${shown} is not a string`);
      }
      const choices = options.choices[name];
      if (choices && !choices.includes(value)) throw fail(`"${key}": ${shown} is not one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
      this.keys.add(name);
    }
    this.file = file;
    return data as Record<string, unknown>;
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
    const inEnvironment = env[`BADORIGIN_${name.toUpperCase().replace(/-/g, '_')}`] !== undefined;
    if (!this.keys.has(name) || onCommandLine || inEnvironment) return error;
    return new FarmError(error.code, `--config ${this.file}: "${name}":${match[2]}`, error.exitCode);
  }
}
