import { readFileSync, statSync } from 'node:fs';
import { farmError } from '../errors.js';
import { attributeLog, type LoggedProbe } from './proxy-log.js';

/** How long the proxy's log must stay the same size before `verify` reads it, in ms. */
export const LOG_QUIET_MS = 500;
/** Longest `verify` waits for the proxy's log to go quiet, in ms. */
export const LOG_SETTLE_LIMIT_MS = 5_000;
const LOG_POLL_MS = 100;

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
};

/**
 * Resolves once `file` has kept its size for `LOG_QUIET_MS`, or after `LOG_SETTLE_LIMIT_MS`: proxies write a
 * request's line when its transaction ends (HAProxy at the end of the stream, `varnishlog` when Varnish hands the
 * transaction over), which may be just after the client has its answer.
 */
async function settled(file: string): Promise<void> {
  const deadline = Date.now() + LOG_SETTLE_LIMIT_MS;
  let size = sizeOf(file);
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < LOG_QUIET_MS) {
    await new Promise((resolve) => setTimeout(resolve, LOG_POLL_MS));
    const now = sizeOf(file);
    if (now !== size) [size, quietSince] = [now, Date.now()];
  }
}

/**
 * The lines of the proxy's log file (`--proxy-log`) by listener id once the file has gone quiet (see `settled`),
 * or undefined without a file. @throws FarmError BAD_OPTION when the file cannot be read.
 */
export async function proxyLogLines(
  file: string | undefined,
  profile: string | null,
  probes: LoggedProbe[],
): Promise<Map<string, string[]> | undefined> {
  if (file === undefined) return undefined;
  await settled(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw farmError(
      'BAD_OPTION',
      `--proxy-log ${file}`,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return attributeLog(profile, text, probes);
}
