/**
 * Makes standard output and standard error safe for a long-running server: a reader that has gone away (`serve |
 * head`, a closed terminal: EPIPE) or any other write error on them is absorbed, so it neither becomes an uncaught
 * exception nor feeds the uncaught-error report that writes to standard error (which looped at full CPU).
 * The farm keeps serving; what it would have printed is dropped.
 */
export function absorbTerminalErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => undefined);
  }
}
