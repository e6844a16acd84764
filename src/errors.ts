/**
 * A failure the user can fix (busy port, unknown scenario id, bad certs directory, bad config).
 * The CLI prints `message` as one line and exits with `exitCode` (2 for usage and environment errors);
 * anything else that escapes is a bug and is reported with its stack.
 */
export class FarmError extends Error {
  /** Machine-readable kind, e.g. `EADDRINUSE`, `UNKNOWN_SCENARIO`, `CERTS_DIR_FOREIGN`, `BAD_SCENARIO`. */
  readonly code: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'FarmError';
    this.code = code;
    this.exitCode = exitCode;
  }
}
