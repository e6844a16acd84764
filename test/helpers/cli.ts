import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runClient, type ProcessResult } from '../../src/clients/run-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The packaged CLI as a command line, `node bin/badorigin.js` (dist/, what `npm start` and an installed badorigin
 * run; `npm test` rebuilds dist/ first when src/ is newer): a start from it costs a fifth of the CPU of one through tsx.
 */
export const CLI_ARGV: readonly [string, string] = [process.execPath, fileURLToPath(new URL('../../bin/badorigin.js', import.meta.url))];

/** Runs `badorigin ARGS` to completion (killed after `timeoutMs`). */
export function runCli(args: string[], timeoutMs = 30_000): Promise<ProcessResult> {
  return runClient([...CLI_ARGV, ...args], timeoutMs);
}

/**
 * Starts `badorigin serve ARGS` and resolves once it prints `Ctrl-C stops the farm`, or rejects with what it printed
 * if it exits first or does not get there within `timeoutMs`.
 */
export function startServe(
  args: string[],
  timeoutMs = 30_000,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  return startFarmProcess([...CLI_ARGV, 'serve', ...args], timeoutMs);
}

/**
 * Runs `argv` (a command that starts a farm, e.g. `npm start -- …`) in the repository and resolves once it prints
 * `Ctrl-C stops the farm`, or rejects with what it printed if it exits first or does not get there within `timeoutMs`.
 */
export function startFarmProcess(
  argv: string[],
  timeoutMs = 30_000,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ctrl-C stops the farm')) {
        clearTimeout(timer);
        resolve({ child, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')} exited with ${code} before starting:\n${output}`));
    });
  });
}
