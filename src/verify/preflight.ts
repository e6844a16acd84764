import { connect } from 'node:net';
import { farmError } from '../errors.js';

/** Longest the reachability check of the intermediary waits for a TCP connection, in ms. */
export const PREFLIGHT_MS = 5_000;

/**
 * Resolves once a TCP connection to the host and port of `url` (an http or https URL) is established; `flag` is the
 * option the URL came from (`--via`, `--route`), which the error names.
 * @throws FarmError VIA_UNREACHABLE (rejects) when it is refused, the name does not resolve, or nothing answers
 *   within `timeoutMs`.
 */
export function assertReachable(url: URL, flag = '--via', timeoutMs = PREFLIGHT_MS): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const where = `${url.protocol}//${url.host}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(farmError('VIA_UNREACHABLE', where, why, flag));
    };
    socket.setTimeout(timeoutMs, () => fail(`no connection within ${timeoutMs} ms`));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });
}
