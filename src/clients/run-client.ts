import { spawn } from 'node:child_process';
import { CLIENT_TIMEOUT_S } from '../client-commands.js';

/** The outcome of a client process: exit code (null when it was killed), and what it printed. */
export interface ProcessResult {
  exit: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client (curl, openssl, gnutls-cli…) with stdin closed, kills it after `timeoutMs` (default: the client
 * timeout plus 3 s), and resolves with what it did. Rejects only when the binary cannot be started (ENOENT).
 */
export function runClient(argv: string[], timeoutMs = (CLIENT_TIMEOUT_S + 3) * 1000, input = ''): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exit) => {
      clearTimeout(timer);
      resolve({ exit, stdout, stderr });
    });
    // A client that exits without reading its input must not fail the run with EPIPE on our side of the pipe.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The first verify error `openssl s_client` printed (`verify error:num=N:text`), or its final verify return code. */
export function parseOpensslVerify(output: string): { verifyCode: number; verifyError: string } | null {
  const error = /verify error:num=(\d+):(.*)/.exec(output);
  if (error) return { verifyCode: Number(error[1]), verifyError: error[2]!.trim() };
  const final = /Verify return code: (\d+) \((.*)\)/.exec(output);
  if (final) return { verifyCode: Number(final[1]), verifyError: final[2]!.trim() };
  return null;
}
