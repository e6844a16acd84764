/**
 * A failure the user can fix (busy port, unknown scenario id, bad certs directory, bad config).
 * The CLI prints `message` as one line and exits with `exitCode` (2 for usage and environment errors);
 * anything else that escapes is a bug and is reported with its stack. Build one with `farmError(code, …)`, whose
 * codes and messages are `FARM_ERRORS`.
 */
export class FarmError extends Error {
  /** Machine-readable kind: a key of `FARM_ERRORS`, or the system's code of a bind failure (see `bindError`). */
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

const list = (items: readonly string[]) => items.join(', ');

/**
 * Every code a `FarmError` has, what it means (the README lists these), and its message builder, as Node's
 * internal `E(code, message)` registry has it. Every one exits with code 2.
 */
export const FARM_ERRORS = {
  USAGE: {
    meaning: 'the command line does not parse (unknown flag or variable, missing value): yargs says why',
    message: (why: string) => why,
  },
  BAD_OPTION: {
    meaning: 'an option value is out of range or does not go with another',
    message: (flag: string, problem: string) => `${flag} ${problem}`,
  },
  BAD_CONFIG: {
    meaning: 'the `--config` file is missing, not JSON, or has an unknown key or a wrong value',
    message: (file: string, problem: string) => `--config ${file}: ${problem}`,
  },
  BAD_SCENARIO: {
    meaning: 'a scenario file (or the scenarios directory) is unreadable or invalid',
    message: (where: string, problem: string) => `${where}: ${problem}`,
  },
  UNKNOWN_SCENARIO: {
    meaning: '`--only` or `--skip` names no scenario and no listener; the message lists the valid ids',
    message: (unknown: readonly string[], scenarioIds: readonly string[], variantIds: readonly string[]) =>
      `unknown scenario or listener id${unknown.length > 1 ? 's' : ''} ${list(unknown)}; scenario ids (each means all its listeners): ${list(scenarioIds)}; listener ids of TLS variants: ${list(variantIds)}`,
  },
  UNKNOWN_LISTENER: {
    meaning: 'a run-time change (`update`, `remove`) or `url` names a listener the farm does not run',
    message: (id: string) => `the farm runs no listener ${id}`,
  },
  LISTENER_EXISTS: {
    meaning: 'a listener added at run time has the id of one the farm runs (or is adding)',
    message: (id: string) => `the farm already runs a listener ${id}: DELETE it first or give the scenario another id`,
  },
  LISTENER_FIXED: {
    meaning: 'a running listener cannot be changed or removed that way (it owns its port, or shares it)',
    message: (id: string, why: string) => `listener ${id}: ${why}`,
  },
  BAD_MANIFEST: {
    meaning: 'a manifest file is unreadable or not a badorigin manifest',
    message: (what: string, problem: string) => `${what}: ${problem}`,
  },
  BAD_TLS_CERT: {
    meaning: '`--tls-cert` / `--tls-key` are unreadable, not PEM, or do not match',
    message: (cert: string, key: string, problem: string) => `--tls-cert ${cert} / --tls-key ${key}: ${problem}`,
  },
  BAD_LOG_FILE: {
    meaning: 'the `--log-file` cannot be opened',
    message: (file: string, problem: string) => `--log-file ${file}: ${problem}`,
  },
  CONTROL_TOKEN_REQUIRED: {
    meaning: 'the control API would listen off loopback without `--control-token`',
    message: (host: string) => `the control API on ${host} is reachable from other machines: give it a --control-token`,
  },
  NO_FARM: {
    meaning: "`probe` finds no farm listening at the manifest's ports",
    message: (where: string, manifestFile?: string) =>
      manifestFile
        ? `no farm found at ${where} (from --manifest ${manifestFile}): start the farm that wrote it`
        : `no farm found at ${where}: start one, or give probe the same --base-port, --host, --hostname, --dns-port, --only and --skip the farm was started with`,
  },
  VIA_UNREACHABLE: {
    meaning: '`verify` cannot reach the intermediary at `--via` / `--route` (refused, no such host, no answer)',
    message: (url: string, why: string, flag = '--via') =>
      `the intermediary at ${url} cannot be reached (${why}): is it running, and is ${flag} right?`,
  },
  FARM_UNREACHABLE: {
    meaning: '`verify` cannot read the attempt ledger from `--farm` (refused, wrong `--control-token`, not a badorigin control API)',
    message: (url: string, why: string) => `cannot read the attempt ledger of the farm at ${url} (${why})`,
  },
  EADDRINUSE: {
    meaning: 'a listener or control port is taken (nothing is left listening)',
    message: (where: string) => `${where} is already in use`,
  },
  EACCES: {
    meaning: 'a port below 1024 needs privileges (CAP_NET_BIND_SERVICE)',
    message: (where: string) => `${where} needs privileges to bind`,
  },
  EADDRNOTAVAIL: {
    meaning: '`--host` or `--control-host` is not an address of this machine',
    message: (where: string) => `${where} cannot be bound (EADDRNOTAVAIL: not an address of this machine)`,
  },
  LISTEN_FAILED: {
    meaning: "any other bind failure; the code is then the system's (EINVAL…)",
    message: (where: string, why: string) => `${where} cannot be bound (${why})`,
  },
  CERTS_DIR_FOREIGN: {
    meaning: 'the certs directory holds files badorigin did not write; nothing is changed',
    message: (dir: string) =>
      `certs directory ${dir} holds files but no farm.json, so badorigin did not write it; point --certs-dir at an empty or badorigin directory (nothing was changed)`,
  },
  CERTS_DIR_UNSAFE: {
    meaning: "the certs directory is not a directory, is another user's, or others may write it",
    message: (path: string, problem: string) => `${path} ${problem}`,
  },
  CERTS_DIR_UNWRITABLE: {
    meaning: 'a certs file or the lock cannot be written',
    message: (what: string, errno: string, advice?: string) => `cannot ${what} (${errno})${advice ? `: ${advice}` : ''}`,
  },
  CERTS_FILE_UNREADABLE: {
    meaning: 'a certs file exists but cannot be read; it is never regenerated',
    message: (what: string, errno: string, advice?: string) => `${what} (${errno})${advice ? `: ${advice}` : ''}`,
  },
  CERTS_DIR_LOCKED: {
    meaning: 'another process has been writing the certs directory for too long',
    message: (dir: string, holder: string, waitedS: number, lockFile: string) =>
      `certs directory ${dir} is being written by ${holder}; waited ${waitedS} s (remove ${lockFile} if no badorigin runs there)`,
  },
  CERTS_MISMATCH: {
    meaning: '`ca` finds a CA hierarchy that does not fit its options (another `--hostname`)',
    message: (hierarchy: string, dir: string, problem: string) =>
      `the ${hierarchy} CA hierarchy in ${dir} does not fit these options (${problem}); only \`badorigin serve\` rewrites it (with a notice)`,
  },
} as const;

/** A code of `FARM_ERRORS`. */
export type FarmErrorCode = keyof typeof FARM_ERRORS;

/** The arguments of each code's message builder. */
export type FarmErrorArgs = { [C in FarmErrorCode]: Parameters<(typeof FARM_ERRORS)[C]['message']> };

/** The registry seen per code, so indexing it by a generic code keeps the builder's parameters. */
const BUILDERS: { [C in FarmErrorCode]: { message: (...args: FarmErrorArgs[C]) => string } } = FARM_ERRORS;

/** The `FarmError` of `code`, its message built from `args` by `FARM_ERRORS[code].message`. */
export function farmError<C extends FarmErrorCode>(code: C, ...args: FarmErrorArgs[C]): FarmError {
  return new FarmError(code, BUILDERS[code].message(...args));
}

/**
 * The error of a port that cannot be bound, for every bind site (listeners, the DNS server, the control API):
 * `where` names the port, the address and the listener (`port 9400 on 127.0.0.1 (listener tls-ok)`).
 * @returns FarmError EADDRINUSE, EACCES, EADDRNOTAVAIL, or the system's code (LISTEN_FAILED without one).
 */
export function bindError(where: string, error: { code?: string; message: string }): FarmError {
  if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') return farmError(error.code, where);
  return new FarmError(error.code ?? 'LISTEN_FAILED', FARM_ERRORS.LISTEN_FAILED.message(where, error.code ?? error.message));
}
