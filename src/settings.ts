import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { isWildcard } from './address.js';
import { DEFAULT_SCENARIOS_DIR } from './catalogue.js';
import { farmError } from './errors.js';
import { hostnameProblem, isDnsName } from './hostname.js';
import { DEFAULT_CAPS, type ListenerCaps } from './listeners/caps.js';
import { FALLBACK_FD_LIMIT, budgetForFdLimit, readFdLimit } from './listeners/connection-budget.js';
import { flagName, rangeProblem } from './options/spec.js';
import { FARM_OPTIONS, farmFlag, type FarmOptions } from './options/table.js';
import { defaultCertsDir } from './paths.js';
import { notADirectoryError } from './pki/store.js';

/** A farm's options with every default applied. */
export interface FarmSettings {
  host: string;
  hostnames: string[];
  ips: string[];
  basePort: number;
  certsDir: string;
  scenariosDir: string;
  only: string[];
  skip: string[];
  tlsCert?: string;
  tlsKey?: string;
  dnsPort?: number;
  dnsZone: string;
  controlPort: number | null;
  controlHost: string;
  controlToken?: string;
  logLevel: string;
  logFile?: string;
  caps: ListenerCaps;
  /** The farm-wide connection budget (`--max-open-connections`), already clamped to what RLIMIT_NOFILE allows. */
  maxOpenConnections: number;
  /** Attempts the attempt ledger keeps per listener (`--ledger-size`; 0: none). */
  ledgerSize: number;
  /** Lines to show the user about the settings (a cap lowered to fit the descriptor limit). */
  notices: string[];
}

/** `a,b` and `['a', 'b,c']` as trimmed, non-empty items. */
const listOf = (values: string | string[] | undefined): string[] =>
  [values ?? []]
    .flat()
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

const isPort = (port: number) => Number.isInteger(port) && port >= 0 && port <= 65535;

/** The hostnames of `--hostname`, lower-cased. @throws FarmError BAD_OPTION for none, or one that is no DNS name or IP. */
function hostnamesOf(option: FarmOptions['hostname']): string[] {
  const hostnames = listOf(option ?? FARM_OPTIONS.hostname.default).map((h) => h.toLowerCase());
  if (hostnames.length === 0) throw farmError('BAD_OPTION', farmFlag('hostname'), 'must name at least one host');
  for (const name of hostnames) {
    const problem = hostnameProblem(name);
    if (problem) throw farmError('BAD_OPTION', `${farmFlag('hostname')} ${JSON.stringify(name)}`, problem);
  }
  return hostnames;
}

/**
 * @throws FarmError BAD_OPTION, in this order, for a base port that is no port number, a lone `--tls-cert` or
 *   `--tls-key`, a DNS zone that is no DNS name, a DNS port that is no port number, then any number outside the
 *   bounds `FARM_OPTIONS` declares (the caps, the ledger size), in the table's order.
 */
function checkValues(options: FarmOptions, basePort: number, dnsZone: string): void {
  if (!isPort(basePort)) throw farmError('BAD_OPTION', `${farmFlag('basePort')} ${basePort}`, 'is not a port number');
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey))
    throw farmError('BAD_OPTION', farmFlag('tlsCert'), `and ${farmFlag('tlsKey')} go together`);
  if (!isDnsName(dnsZone)) throw farmError('BAD_OPTION', `${farmFlag('dnsZone')} ${options.dnsZone}`, 'is not a DNS name');
  if (options.dnsPort !== undefined && !isPort(options.dnsPort))
    throw farmError('BAD_OPTION', `${farmFlag('dnsPort')} ${options.dnsPort}`, 'is not a port number');
  const values: Readonly<Record<string, unknown>> = options;
  for (const [name, spec] of Object.entries(FARM_OPTIONS)) {
    const problem = rangeProblem(spec, values[name]);
    if (problem) throw farmError('BAD_OPTION', `--${flagName(name)}`, problem);
  }
}

/**
 * The caps and the farm-wide connection budget: `--max-open-connections` clamped to what RLIMIT_NOFILE allows,
 * `--max-connections` to that budget (by default nine tenths of it, so a flooded listener leaves the others a tenth).
 */
function capsOf(options: FarmOptions, notices: string[]): { caps: ListenerCaps; maxOpenConnections: number } {
  const fdLimit = readFdLimit() ?? FALLBACK_FD_LIMIT;
  const ceiling = budgetForFdLimit(fdLimit);
  const maxOpenConnections = Math.min(options.maxOpenConnections ?? ceiling, ceiling);
  if (options.maxOpenConnections !== undefined && options.maxOpenConnections > ceiling) {
    notices.push(
      `${farmFlag('maxOpenConnections')} ${options.maxOpenConnections} lowered to ${ceiling}: RLIMIT_NOFILE is ${fdLimit} and ${fdLimit - ceiling} descriptors are kept for the farm itself and the control API`,
    );
  }
  const perListenerDefault = Math.min(DEFAULT_CAPS.maxConnections, Math.max(1, maxOpenConnections - Math.ceil(maxOpenConnections / 10)));
  const maxConnections = options.maxConnections === undefined ? perListenerDefault : Math.min(options.maxConnections, maxOpenConnections);
  if (options.maxConnections !== undefined && options.maxConnections > maxOpenConnections) {
    notices.push(
      `${farmFlag('maxConnections')} ${options.maxConnections} lowered to the farm-wide ${farmFlag('maxOpenConnections')} ${maxOpenConnections}`,
    );
  }
  const caps: ListenerCaps = {
    maxConnections,
    maxHoldMs: options.maxHoldMs ?? FARM_OPTIONS.maxHoldMs.default,
    headTimeoutMs: options.headTimeoutMs ?? FARM_OPTIONS.headTimeoutMs.default,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? FARM_OPTIONS.handshakeTimeoutMs.default,
    maxHeaderBytes: options.maxHeaderBytes ?? FARM_OPTIONS.maxHeaderBytes.default,
    maxHeaders: options.maxHeaders ?? FARM_OPTIONS.maxHeaders.default,
  };
  return { caps, maxOpenConnections };
}

/**
 * Applies the defaults of `FARM_OPTIONS` (the per-listener connection cap, which it leaves computed: at most
 * `DEFAULT_CAPS.maxConnections`); the farm's IPs are loopback, IP hostnames and a specific bind address.
 * @throws FarmError BAD_OPTION for an option value out of range, naming the flag.
 */
export function resolveSettings(options: FarmOptions = {}): FarmSettings {
  const host = options.host ?? FARM_OPTIONS.host.default;
  const hostnames = hostnamesOf(options.hostname);
  const basePort = options.basePort ?? FARM_OPTIONS.basePort.default;
  const dnsZone = (options.dnsZone ?? FARM_OPTIONS.dnsZone.default).toLowerCase().replace(/\.$/, '');
  checkValues(options, basePort, dnsZone);
  const notices: string[] = [];
  const { caps, maxOpenConnections } = capsOf(options, notices);
  const certsDir = options.certsDir ? resolve(options.certsDir) : defaultCertsDir();
  if (existsSync(certsDir) && !statSync(certsDir).isDirectory()) throw notADirectoryError(certsDir);
  return {
    host,
    hostnames,
    ips: [...new Set(['127.0.0.1', '::1', ...hostnames.filter((h) => isIP(h)), ...(!isWildcard(host) && isIP(host) ? [host] : [])])],
    basePort,
    certsDir,
    scenariosDir: options.scenariosDir ?? DEFAULT_SCENARIOS_DIR,
    only: listOf(options.only),
    skip: listOf(options.skip),
    tlsCert: options.tlsCert,
    tlsKey: options.tlsKey,
    dnsPort: options.dnsPort,
    dnsZone,
    controlPort: options.controlPort === null ? null : (options.controlPort ?? (basePort === 0 ? 0 : basePort - 1)),
    controlHost: options.controlHost ?? FARM_OPTIONS.controlHost.default,
    controlToken: options.controlToken,
    logLevel: options.logLevel ?? FARM_OPTIONS.logLevel.default,
    logFile: options.logFile,
    caps,
    maxOpenConnections,
    ledgerSize: options.ledgerSize ?? FARM_OPTIONS.ledgerSize.default,
    notices,
  };
}
