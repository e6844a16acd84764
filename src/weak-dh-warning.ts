/**
 * What the farm prints, once, instead of Node's `SecurityWarning: DH parameter is less than 2048 bits`: node:tls emits
 * that (process.emitWarning) for every secure context given a 1024-bit `dhparam`, which the dh-weak scenario serves on
 * purpose (RFC 2409 §6.2 group 2; see src/listeners/tls.ts).
 */
export const WEAK_DH_NOTICE =
  'a listener (dh-weak in the built-in catalogue) serves a 1024-bit Diffie-Hellman group on purpose; Node warns that it is less than 2048 bits';

/** True for node:tls's warning about a `dhparam` under 2048 bits. */
export function isWeakDhWarning(warning: Error): boolean {
  return warning.name === 'SecurityWarning' && /^DH parameter is less than \d+ bits$/.test(warning.message);
}

/**
 * Replaces Node's printing of the weak-DH warning by one `report(WEAK_DH_NOTICE)` per process; every other warning
 * still reaches the handlers installed before (Node's own prints it, and honours --no-warnings / --disable-warning).
 * @returns a function that restores those handlers.
 */
export function replaceWeakDhWarning(report: (notice: string) => void): () => void {
  const earlier = process.listeners('warning');
  let reported = false;
  const onWarning = (warning: Error) => {
    if (!isWeakDhWarning(warning)) {
      for (const handler of earlier) handler(warning);
      return;
    }
    if (!reported) report(WEAK_DH_NOTICE);
    reported = true;
  };
  for (const handler of earlier) process.off('warning', handler);
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const handler of earlier) process.on('warning', handler);
  };
}
