import { DEFAULT_CAPS } from '../listeners/caps.js';
import { RESERVED_FDS } from '../listeners/connection-budget.js';
import { DEFAULT_LEDGER_SIZE, MAX_LEDGER_SIZE } from '../ledger/size.js';
import { flagName, type OptionSpecs, type OptionValues } from './spec.js';

/**
 * Every farm option, once: `serve`, `manifest`, `ca` and `probe` take them as flags (`--base-port`) and
 * `BADORIGIN_*` variables, the `--config` file as keys, `startFarm` as `FarmOptions`. The caps' defaults come from
 * `DEFAULT_CAPS` (src/listeners/caps.ts, where their sources are quoted); their bounds are checked by `resolveSettings`.
 */
export const FARM_OPTIONS = {
  host: { kind: 'string', default: '127.0.0.1', help: 'bind address of every listener' },
  hostname: {
    kind: 'names',
    default: 'localhost',
    help: 'hostname(s) clients use, comma-separated; in every valid certificate and the root CA name constraints',
  },
  basePort: { kind: 'number', default: 9400, unit: 'port', help: 'port of offset 0 (listeners take base + offset); 0 = ephemeral ports' },
  only: {
    kind: 'list',
    help: 'run only these scenario ids (all their listeners) or listener ids such as slow-first-byte-tls (comma-separated or repeated)',
  },
  skip: { kind: 'list', help: 'leave out these scenario or listener ids' },
  certsDir: {
    kind: 'string',
    help: 'where the farm CA and leaves are kept (default: certs/ of a source checkout, else ~/.local/share/badorigin/certs)',
  },
  scenariosDir: { kind: 'string', help: 'scenario files to load instead of the built-in catalogue' },
  tlsCert: {
    kind: 'string',
    help: 'PEM certificate chain of your own (e.g. publicly trusted), served wherever a scenario needs a valid one',
  },
  tlsKey: { kind: 'string', help: 'PEM private key of --tls-cert' },
  dnsPort: {
    kind: 'number',
    unit: 'port',
    help: 'port of the embedded DNS server, UDP and TCP (default: base port + 0; 53 where you may bind it)',
  },
  dnsZone: { kind: 'string', default: 'origin.test', help: 'zone the embedded DNS server is authoritative for' },
  controlPort: { kind: 'number', unit: 'port', nullable: true, help: 'port of the control API and dashboard (default: base port - 1)' },
  controlHost: { kind: 'string', default: '127.0.0.1', help: 'bind address of the control API; off loopback it needs --control-token' },
  controlToken: { kind: 'string', help: 'bearer token the control API requires on every request' },
  control: { kind: 'boolean', default: true, cliOnly: true, help: 'run the control API and dashboard (--no-control: do not)' },
  logLevel: {
    kind: 'string',
    default: 'silent',
    cliDefault: 'info',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    help: 'event log level (the library logs nothing by default)',
  },
  logFile: { kind: 'string', help: 'write the event log (JSON lines) here instead of standard output' },
  maxConnections: {
    kind: 'number',
    unit: 'connections',
    min: 1,
    help: `concurrent connections per listener; more are reset and logged (default ${DEFAULT_CAPS.maxConnections} or nine tenths of --max-open-connections, whichever is less)`,
  },
  maxOpenConnections: {
    kind: 'number',
    unit: 'connections',
    min: 1,
    help: `concurrent connections across the farm; more are reset and logged (default and ceiling: RLIMIT_NOFILE - ${RESERVED_FDS})`,
  },
  maxHoldMs: {
    kind: 'number',
    unit: 'ms',
    default: DEFAULT_CAPS.maxHoldMs,
    min: 1,
    help: 'longest a connection may stay open; older ones are closed and logged',
  },
  headTimeoutMs: {
    kind: 'number',
    unit: 'ms',
    default: DEFAULT_CAPS.headTimeoutMs,
    min: 1,
    help: 'longest a client may take to send a request head; slower ones are closed and logged',
  },
  handshakeTimeoutMs: {
    kind: 'number',
    unit: 'ms',
    default: DEFAULT_CAPS.handshakeTimeoutMs,
    min: 1,
    help: 'longest a client may take to complete a TLS handshake; slower ones are closed and logged',
  },
  maxHeaderBytes: {
    kind: 'number',
    unit: 'bytes',
    default: DEFAULT_CAPS.maxHeaderBytes,
    min: 1,
    help: 'largest request head an HTTP listener reads; larger ones get 400/431 and are logged',
  },
  maxHeaders: {
    kind: 'number',
    unit: 'fields',
    default: DEFAULT_CAPS.maxHeaders,
    min: 1,
    help: 'most header fields in a request; more get 400/431 and are logged',
  },
  ledgerSize: {
    kind: 'number',
    unit: 'attempts',
    default: DEFAULT_LEDGER_SIZE,
    min: 0,
    max: MAX_LEDGER_SIZE,
    help: 'attempts (connections, DNS queries) the attempt ledger keeps per listener, the newest; 0 keeps none',
  },
} as const satisfies OptionSpecs;

/**
 * Options of `startFarm` and of `badorigin serve`, by the names of `FARM_OPTIONS` (the flags in camelCase). Lists
 * (`hostname`, `only`, `skip`) take a string (comma-separated) or strings; `controlPort: null` turns the control API
 * off. Defaults, units and meanings: `FARM_OPTIONS`.
 */
export type FarmOptions = OptionValues<typeof FARM_OPTIONS>;

/** The command-line flag of a farm option (`maxHoldMs` → `--max-hold-ms`), as errors and notices name it. */
export const farmFlag = (name: keyof typeof FARM_OPTIONS): string => `--${flagName(name)}`;
