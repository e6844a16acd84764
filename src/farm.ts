import { EventEmitter } from 'node:events';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_SCENARIOS_DIR, listenerSelected, loadCatalogue, selectScenarios, type CatalogueEntry } from './catalogue.js';
import { farmError } from './errors.js';
import { hostnameProblem, isDnsName } from './hostname.js';
import { BoundListener } from './listeners/bound-listener.js';
import { DEFAULT_CAPS, type ListenerCaps } from './listeners/caps.js';
import { ConnectionBudget, FALLBACK_FD_LIMIT, budgetForFdLimit, readFdLimit } from './listeners/connection-budget.js';
import type { ConnectionHandler, ListenerEvent, MechanismContext, PortOwner, Transport } from './listeners/index.js';
import { isTlsTransport } from './listeners/mechanism.js';
import { tlsTerminator } from './listeners/tls-terminator.js';
import { VALID_LEAF } from './pki/leaf-spec.js';
import { buildManifest, type Manifest, type PlannedListener } from './manifest.js';
import { clientAddress, hostPort, isWildcard } from './address.js';
import { startControl, type ControlServer } from './control/server.js';
import { openEventLog, type EventLog } from './event-log.js';
import { FarmMonitor } from './monitor.js';
import { Pki, type ServedChain } from './pki/index.js';
import { notADirectoryError } from './pki/store.js';
import { defaultCertsDir } from './paths.js';
import { FARM_OPTIONS, type FarmOptions } from './options/table.js';

/** `a,b` and `['a', 'b,c']` as trimmed, non-empty items. */
const listOf = (values: string | string[] | undefined): string[] => [values ?? []].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

export type { FarmOptions } from './options/table.js';

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
  /** Lines to show the user about the settings (a cap lowered to fit the descriptor limit). */
  notices: string[];
}

/** A running farm. */
export interface Farm {
  manifest: Manifest;
  settings: FarmSettings;
  /** Lines to show the user (certificates regenerated…). */
  notices: string[];
  /** Listener events: `farm.events.on('event', (e: ListenerEvent) => …)`. */
  events: EventEmitter<{ event: [ListenerEvent] }>;
  /** Live counters, last event and last ClientHello of every listener, and the recent events. */
  monitor: FarmMonitor;
  /** The control API, unless it was turned off (`controlPort: null`). */
  control: { url: string } | null;
  /**
   * Resolves with the next event of listener `id` matching `predicate` (start it before the request that causes
   * it). @throws Error (rejects) after `timeoutMs` (default 5000).
   */
  waitFor(id: string, predicate?: (event: ListenerEvent) => boolean, timeoutMs?: number): Promise<ListenerEvent>;
  /** Resets a listener's state (stateful scenarios) and counters; false when it keeps no state; undefined for an unknown id. */
  reset(id: string): boolean | undefined;
  /** `https://hostname:port/` of a listener. @throws Error for an id the farm does not run. */
  url(id: string): string;
  /** Stops every listener and ends every connection; resolves when every port is released. */
  close(): Promise<void>;
}

/** Applies defaults; the farm's IPs are loopback, IP hostnames and a specific bind address. */
export function resolveSettings(options: FarmOptions = {}): FarmSettings {
  const host = options.host ?? FARM_OPTIONS.host.default;
  const hostnames = listOf(options.hostname ?? FARM_OPTIONS.hostname.default).map((h) => h.toLowerCase());
  if (hostnames.length === 0) throw farmError('BAD_OPTION', '--hostname', 'must name at least one host');
  for (const name of hostnames) {
    const problem = hostnameProblem(name);
    if (problem) throw farmError('BAD_OPTION', `--hostname ${JSON.stringify(name)}`, problem);
  }
  const basePort = options.basePort ?? FARM_OPTIONS.basePort.default;
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535) throw farmError('BAD_OPTION', `--base-port ${basePort}`, 'is not a port number');
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw farmError('BAD_OPTION', '--tls-cert', 'and --tls-key go together');
  const dnsZone = (options.dnsZone ?? FARM_OPTIONS.dnsZone.default).toLowerCase().replace(/\.$/, '');
  if (!isDnsName(dnsZone)) throw farmError('BAD_OPTION', `--dns-zone ${options.dnsZone}`, 'is not a DNS name');
  const dnsPort = options.dnsPort;
  if (dnsPort !== undefined && (!Number.isInteger(dnsPort) || dnsPort < 0 || dnsPort > 65535)) throw farmError('BAD_OPTION', `--dns-port ${dnsPort}`, 'is not a port number');
  const capFlags = [
    ['--max-connections', options.maxConnections],
    ['--max-open-connections', options.maxOpenConnections],
    ['--max-hold-ms', options.maxHoldMs],
    ['--head-timeout-ms', options.headTimeoutMs],
    ['--handshake-timeout-ms', options.handshakeTimeoutMs],
    ['--max-header-bytes', options.maxHeaderBytes],
    ['--max-headers', options.maxHeaders],
  ] as const;
  for (const [flag, value] of capFlags) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw farmError('BAD_OPTION', flag, `must be a positive whole number, not ${value}`);
  }
  const notices: string[] = [];
  const fdLimit = readFdLimit() ?? FALLBACK_FD_LIMIT;
  const ceiling = budgetForFdLimit(fdLimit);
  const maxOpenConnections = Math.min(options.maxOpenConnections ?? ceiling, ceiling);
  if (options.maxOpenConnections !== undefined && options.maxOpenConnections > ceiling) {
    notices.push(`--max-open-connections ${options.maxOpenConnections} lowered to ${ceiling}: RLIMIT_NOFILE is ${fdLimit} and ${fdLimit - ceiling} descriptors are kept for the farm itself and the control API`);
  }
  // By default one flooded listener may take nine tenths of the budget, so every other listener keeps a tenth.
  const perListenerDefault = Math.min(DEFAULT_CAPS.maxConnections, Math.max(1, maxOpenConnections - Math.ceil(maxOpenConnections / 10)));
  const maxConnections = options.maxConnections === undefined ? perListenerDefault : Math.min(options.maxConnections, maxOpenConnections);
  if (options.maxConnections !== undefined && options.maxConnections > maxOpenConnections) {
    notices.push(`--max-connections ${options.maxConnections} lowered to the farm-wide --max-open-connections ${maxOpenConnections}`);
  }
  const certsDir = options.certsDir ? resolve(options.certsDir) : defaultCertsDir();
  if (existsSync(certsDir) && !statSync(certsDir).isDirectory()) throw notADirectoryError(certsDir);
    const ips = [...new Set(['127.0.0.1', '::1', ...hostnames.filter((h) => isIP(h)), ...(!isWildcard(host) && isIP(host) ? [host] : [])])];
  return {
    host,
    hostnames,
    ips,
    basePort,
    certsDir,
    scenariosDir: options.scenariosDir ?? DEFAULT_SCENARIOS_DIR,
    only: listOf(options.only),
    skip: listOf(options.skip),
    tlsCert: options.tlsCert,
    tlsKey: options.tlsKey,
    dnsPort,
    dnsZone,
    controlPort: options.controlPort === null ? null : (options.controlPort ?? (basePort === 0 ? 0 : basePort - 1)),
    controlHost: options.controlHost ?? FARM_OPTIONS.controlHost.default,
    controlToken: options.controlToken,
    logLevel: options.logLevel ?? FARM_OPTIONS.logLevel.default,
    logFile: options.logFile,
    caps: {
      maxConnections,
      maxHoldMs: options.maxHoldMs ?? DEFAULT_CAPS.maxHoldMs,
      headTimeoutMs: options.headTimeoutMs ?? DEFAULT_CAPS.headTimeoutMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_CAPS.handshakeTimeoutMs,
      maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_CAPS.maxHeaderBytes,
      maxHeaders: options.maxHeaders ?? DEFAULT_CAPS.maxHeaders,
    },
    maxOpenConnections,
    notices,
  };
}

/** Loads the catalogue and selects the scenarios of these settings. */
export function plannedEntries(settings: FarmSettings): CatalogueEntry[] {
  return selectScenarios(loadCatalogue(settings.scenariosDir), settings.only, settings.skip);
}

/** Port of a scenario for these settings (0 when the base port is 0). */
export function plannedPort(settings: FarmSettings, offset: number): number {
  if (settings.basePort === 0) return 0;
  const port = settings.basePort + offset;
  if (port > 65535) throw farmError('BAD_OPTION', `--base-port ${settings.basePort}`, `+ offset ${offset} is past port 65535`);
  return port;
}

/** The CA file paths of a certs directory (they exist once a farm has started there). */
export function caFiles(settings: FarmSettings): { rootCaFile: string; intermediateCaFile: string } {
  return { rootCaFile: resolve(settings.certsDir, 'root-ca.pem'), intermediateCaFile: resolve(settings.certsDir, 'intermediate-ca.pem') };
}

/** Transport of a mechanism's listener once the farm terminates TLS in front of it. */
const OVER_TLS: Record<Transport, Transport> = { tcp: 'tls', http: 'https', tls: 'tls', https: 'https', dns: 'dns' };

/**
 * The listeners of these settings, with ports base + offset (0 for an ephemeral port): one per scenario, plus
 * `<id>-tls` at offset + 100 for a scenario with a `tls` section (CONVENTIONS.md § Scenario ids).
 */
export function planListeners(settings: FarmSettings, entries: CatalogueEntry[]): PlannedListener[] {
  return entries.flatMap(({ scenario, mechanism }) => {
    const plain: PlannedListener = {
      id: scenario.id,
      scenario,
      transport: mechanism.transport,
      port: mechanism.transport === 'dns' && settings.dnsPort !== undefined ? settings.dnsPort : plannedPort(settings, scenario.offset),
      query: mechanism.query?.(scenario.params as never, settings),
      tlsVariant: false,
      terminateTls: false,
      usesUserCertificate: Boolean(settings.tlsCert) && mechanism.servesValidLeaf(scenario.params as never),
      expect: scenario.expect,
      notes: scenario.notes,
    };
    if (!scenario.tls) return [plain];
    const notes = [...(scenario.notes ?? []), ...(scenario.tls.notes ?? [])];
    return [plain, {
      ...plain,
      id: `${scenario.id}-tls`,
      transport: OVER_TLS[mechanism.transport],
      port: plannedPort(settings, scenario.offset + 100),
      tlsVariant: true,
      terminateTls: scenario.tls.terminate !== false,
      usesUserCertificate: Boolean(settings.tlsCert) && scenario.tls.terminate !== false,
      expect: { ...scenario.expect, ...scenario.tls.expect },
      notes: notes.length ? notes : undefined,
    }];
  }).filter((listener) => listenerSelected(listener.id, listener.scenario.id, settings.only, settings.skip));
}

/** The manifest a farm with these settings would have, without starting it (ports = base + offset). */
export function plannedManifest(settings: FarmSettings): Manifest {
  const manifest = buildManifest({ host: settings.host, hostnames: settings.hostnames, ...caFiles(settings) }, planListeners(settings, plannedEntries(settings)));
  if (settings.controlPort) {
    manifest.control = { url: `http://${hostPort(clientAddress(settings.controlHost), settings.controlPort)}` };
  }
  return manifest;
}

/** Terminates TLS with a valid certificate in front of a plain mechanism (the `<scenario>-tls` listeners). */
function overTls(inner: ConnectionHandler, chain: ServedChain, context: MechanismContext): ConnectionHandler {
  return tlsTerminator({ key: chain.privateKeyPem, cert: chain.chainPem }, (socket, raw) => inner.onConnection(socket, raw), context);
}

function loadUserCertificate(settings: FarmSettings): ServedChain | null {
  if (!settings.tlsCert || !settings.tlsKey) return null;
  try {
    const chainPem = readFileSync(settings.tlsCert, 'utf8');
    const privateKeyPem = readFileSync(settings.tlsKey, 'utf8');
    const leaf = new X509Certificate(chainPem);
    if (!leaf.checkPrivateKey(createPrivateKey(privateKeyPem))) throw new Error('the key does not match the certificate');
    return { chainPem, privateKeyPem, leaf };
  } catch (error) {
    throw farmError('BAD_TLS_CERT', settings.tlsCert, settings.tlsKey, (error as Error).message);
  }
}

/**
 * Starts a farm: loads and validates the scenarios, prepares every certificate, binds every listener (all or
 * nothing), and returns the running farm with its manifest.
 * @throws FarmError for bad options, an unknown scenario id, a bad scenario file, a foreign certs directory, a bad
 *   `--tls-cert`, or a port that cannot be bound (then no listener is left open).
 */
export async function startFarm(options: FarmOptions = {}): Promise<Farm> {
  const settings = resolveSettings(options);
  const entries = plannedEntries(settings);
  const userCertificate = loadUserCertificate(settings);
  const pki = await Pki.open(
    { certsDir: settings.certsDir, hostnames: settings.hostnames, ips: settings.ips },
    entries.flatMap((entry) => [...entry.mechanism.leafSpecs(entry.scenario.params as never), ...(entry.scenario.tls?.terminate !== false ? [VALID_LEAF] : [])]),
  );
  const events = new EventEmitter<{ event: [ListenerEvent] }>();
  const connectionBudget = new ConnectionBudget(settings.maxOpenConnections);
  const mechanisms = new Map(entries.map((entry) => [entry.scenario.id, entry.mechanism]));
  const planned = planListeners(settings, entries);
  const contextOf = (listener: PlannedListener): MechanismContext => ({
    id: listener.id,
    pki,
    userCertificate,
    names: settings,
    emit: (event) => events.emit('event', { ...event, listener: listener.id, time: Date.now() }),
    caps: settings.caps,
    connectionBudget,
  });
  const handlers = new Map<string, ConnectionHandler>();
  // One PortOwner per listener, except that the scenarios of a shared-port mechanism (DNS) at one offset share one.
  const owners: { owner: PortOwner; members: PlannedListener[] }[] = [];
  const groups = new Map<string, { owner: PortOwner; members: PlannedListener[] }>();
  for (const listener of planned) {
    const mechanism = mechanisms.get(listener.scenario.id)!;
    if (mechanism.createGroup) {
      const key = `${mechanism.name}@${listener.scenario.offset}`;
      if (!groups.has(key)) {
        const members = planned.filter((l) => mechanisms.get(l.scenario.id) === mechanism && l.scenario.offset === listener.scenario.offset);
        const group = { owner: mechanism.createGroup(members.map((l) => ({ params: l.scenario.params as never, context: contextOf(l) }))), members };
        groups.set(key, group);
        owners.push(group);
      }
      continue;
    }
    const context = contextOf(listener);
    const created = mechanism.create(listener.scenario.params as never, context);
    if ('listen' in created) {
      if (listener.terminateTls) throw farmError('BAD_SCENARIO', listener.scenario.file, `mechanism ${listener.scenario.mechanism} owns its port, so its tls variant needs terminate: false`);
      owners.push({ owner: created, members: [listener] });
      continue;
    }
    handlers.set(listener.id, created);
    const handler = listener.terminateTls ? overTls(created, userCertificate ?? pki.chain(VALID_LEAF), context) : created;
    owners.push({ owner: new BoundListener(listener.id, handler, context.emit, settings.caps, connectionBudget), members: [listener] });
  }
  const monitor = new FarmMonitor(events, planned.map((l) => l.id));
  let log: EventLog | null = null;
  try {
    log = settings.logLevel === 'silent' ? null : await openEventLog({ level: settings.logLevel, file: settings.logFile });
  } catch (error) {
    throw farmError('BAD_LOG_FILE', String(settings.logFile), (error as Error).message);
  }
  if (log) events.on('event', (event) => log!.write(event));
  let control: ControlServer | null = null;
  const close = async () => {
    await Promise.all([...owners.map(({ owner }) => owner.close()), control?.close()]);
    await log?.close();
  };
  const reset = (id: string) => {
    if (!planned.some((l) => l.id === id)) return undefined;
    monitor.resetStats(id);
    const handler = handlers.get(id);
    if (!handler?.reset) return false;
    handler.reset();
    return true;
  };
  let manifest: Manifest;
  try {
    for (const { owner, members } of owners) {
      const port = await owner.listen(settings.host, members[0]!.port);
      for (const member of members) Object.assign(member, { port, warning: owner.warning });
    }
    manifest = buildManifest({ host: settings.host, hostnames: settings.hostnames, ...caFiles(settings) }, planned);
    if (settings.controlPort !== null) {
      const built = manifest;
      control = await startControl(
        { host: settings.controlHost, port: settings.controlPort, token: settings.controlToken, hostnames: settings.hostnames },
        { manifest: () => built, rootCaPem: pki.caPem('farm-root'), monitor, events, reset },
      );
      manifest.control = { url: control.url };
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    manifest,
    settings,
    notices: [...settings.notices, ...pki.notices],
    events,
    monitor,
    control: control ? { url: control.url } : null,
    waitFor: (id, predicate, timeoutMs) => monitor.waitFor(id, predicate, timeoutMs),
    reset,
    url(id) {
      const listener = manifest.listeners.find((l) => l.id === id);
      if (!listener) throw new Error(`the farm runs no listener ${id}`);
      const scheme = isTlsTransport(listener.transport) ? 'https' : 'http';
      const host = listener.connect.sni ?? clientAddress(settings.host);
      return `${scheme}://${hostPort(host, listener.port)}/`;
    },
    close,
  };
}
