import { EventEmitter } from 'node:events';
import { clientAddress, hostPort } from './address.js';
import { bindPorts, createPorts, type FarmWiring } from './bind.js';
import type { ControlOptions, ControlServer } from './control/server.js';
import { farmError } from './errors.js';
import { openEventLog, type EventLog } from './event-log.js';
import { ConnectionBudget } from './listeners/connection-budget.js';
import type { ListenerEvent } from './listeners/index.js';
import type { Attempt } from './ledger/attempt.js';
import { AttemptLedger, type AttemptQuery } from './ledger/ledger.js';
import type { WindowOptions } from './ledger/probe.js';
import { LatestVerifyReport, type RecordRefusal } from './verify/latest-report.js';
import { isTlsTransport } from './transport.js';
import { buildManifest, type Manifest, type ManifestListener } from './manifest.js';
import { FarmMonitor } from './monitor.js';
import type { FarmOptions } from './options/table.js';
import { caFiles, planListeners, plannedEntries } from './plan.js';
import { prepareCertificates } from './prepare.js';
import { RunningListeners, type AddOptions } from './running-listeners.js';
import { resolveSettings, type FarmSettings } from './settings.js';

export type { FarmOptions } from './options/table.js';
export { resolveSettings, type FarmSettings } from './settings.js';
export type { AddOptions } from './running-listeners.js';
export { caFiles, plannedEntries, plannedManifest, plannedPort, planListeners } from './plan.js';

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
  /** The attempt ledger (the methods `attempts`, `beginProbe` and `endProbe` below are its). */
  ledger: AttemptLedger;
  /** The control API once `startControl(farm)` started it (`serve` does unless `--no-control`); null before. */
  control: { url: string } | null;
  /** PEM of the farm root CA (the file `manifest.trust.rootCaFile`). */
  rootCaPem: string;
  /**
   * Resolves with the next event of listener `id` matching `predicate` (start it before the request that causes
   * it). @throws Error (rejects) after `timeoutMs` (default 5000).
   */
  waitFor(id: string, predicate?: (event: ListenerEvent) => boolean, timeoutMs?: number): Promise<ListenerEvent>;
  /**
   * The attempt ledger of listener `id` (src/ledger/): what the farm saw of each of the last `--ledger-size`
   * connections and DNS queries, oldest first, optionally only those active `since` (ms since the epoch) or of one
   * `probe`; undefined for an id the farm does not run.
   */
  attempts(id: string, query?: AttemptQuery): Attempt[] | undefined;
  /**
   * Opens a probe window on listener `id`: connections and DNS queries arriving until `endProbe(id, probe)` are
   * attributed to `probe` (unless a request of theirs names another, or the ledger's `windowKeeps` makes them
   * health-check or unrelated traffic; `options`: `WindowOptions`). False for an id the farm does not run.
   * @throws Error for a probe id that is not 1–128 characters of `A-Z a-z 0-9 . _ ~ : -`.
   */
  beginProbe(id: string, probe: string, options?: WindowOptions): boolean;
  /** Closes a probe window; false when it was not open. */
  endProbe(id: string, probe: string): boolean;
  /**
   * Keeps `report` as the farm's latest verify report (`GET /verify/latest`), replacing the one before; returns why
   * not when it fails the report schema or exceeds VERIFY_REPORT_MAX_BYTES (the previous one stays).
   */
  recordVerifyReport(report: unknown): RecordRefusal | undefined;
  /** The latest verify report the farm was handed. */
  verifyReports: LatestVerifyReport;
  /** Resets a listener's state (stateful scenarios) and counters; false when it keeps no state; undefined for an unknown id. */
  reset(id: string): boolean | undefined;
  /**
   * Starts the listeners of a scenario document (an object of the schema of scenarios/*.yaml, e.g. parsed YAML) on
   * the running farm: `<id>` on `options.port` (ephemeral when absent), and `<id>-tls` on an ephemeral port when it
   * has a `tls` section. The manifest, monitor, ledger and event stream (`listener-added`) follow.
   * @returns the manifest entry of `<id>`.
   * @throws FarmError BAD_SCENARIO (the schema error), LISTENER_EXISTS, EADDRINUSE and the other bind errors, CERTS_*.
   */
  add(scenario: unknown, options?: AddOptions): Promise<ManifestListener>;
  /**
   * Replaces the params of listener `id`'s scenario (both its listeners when it has a `-tls` variant); new
   * connections get them (`listener-changed` event). @returns the manifest entry of `id`.
   * @throws FarmError UNKNOWN_LISTENER, BAD_SCENARIO (the params schema error), LISTENER_FIXED for a mechanism that owns its port.
   */
  update(id: string, params: unknown): Promise<ManifestListener>;
  /**
   * Sets, changes or clears (`null`) the behaviour of listener `id`'s scenario (both its listeners when it has a
   * `-tls` variant; src/listeners/behaviour.ts): from the next connection on, a fresh count decides fault or control
   * (`listener-changed` event; the manifest entry gets the `behaviour`). @returns the manifest entry of `id`.
   * @throws FarmError UNKNOWN_LISTENER, BAD_SCENARIO (the behaviour schema error; a DNS listener), LISTENER_FIXED for a
   *   mechanism that owns its port.
   */
  updateBehaviour(id: string, behaviour: unknown): Promise<ManifestListener>;
  /**
   * Stops listener `id` and ends its connections (`listener-removed` event); resolves when its port is released.
   * @throws FarmError UNKNOWN_LISTENER, LISTENER_FIXED for a DNS listener sharing its port.
   */
  remove(id: string): Promise<void>;
  /** `https://hostname:port/` of a listener. @throws FarmError UNKNOWN_LISTENER for an id the farm does not run. */
  url(id: string): string;
  /** Stops every listener (and the control API) and ends every connection; resolves when every port is released. */
  close(): Promise<void>;
}

/** What `close()` of each farm also closes (its control API, once started). */
const attachedClosers = new WeakMap<Farm, (() => Promise<void>)[]>();

/** @throws FarmError BAD_LOG_FILE when `--log-file` cannot be opened. */
async function openLog(settings: FarmSettings): Promise<EventLog | null> {
  try {
    return settings.logLevel === 'silent' ? null : await openEventLog({ level: settings.logLevel, file: settings.logFile });
  } catch (error) {
    throw farmError('BAD_LOG_FILE', String(settings.logFile), (error as Error).message);
  }
}

/** `scheme://host:port/` of a listener of `manifest`, by the name (SNI) or address a client uses. */
function listenerUrl(manifest: Manifest, host: string, id: string): string {
  const listener = manifest.listeners.find((l) => l.id === id);
  if (!listener) throw farmError('UNKNOWN_LISTENER', id);
  const name = listener.connect.sni ?? clientAddress(host);
  return `${isTlsTransport(listener.transport) ? 'https' : 'http'}://${hostPort(name, listener.port)}/`;
}

/**
 * Starts a farm's listeners: plans them from the scenarios (src/plan.ts), prepares every certificate
 * (src/prepare.ts), binds every port (src/bind.ts, all or nothing), and returns the running farm with its manifest.
 * The control API is not started here: `startControl(farm)` does that.
 * @throws FarmError for bad options, an unknown scenario id, a bad scenario file, a foreign certs directory, a bad
 *   `--tls-cert`, a bad `--log-file`, or a port that cannot be bound (then no listener is left open).
 */
export async function startFarm(options: FarmOptions = {}): Promise<Farm> {
  const settings = resolveSettings(options);
  const entries = plannedEntries(settings);
  const certificates = await prepareCertificates(settings, entries);
  const events = new EventEmitter<{ event: [ListenerEvent] }>();
  const planned = planListeners(settings, entries);
  const wiring: FarmWiring = { settings, certificates, events, connectionBudget: new ConnectionBudget(settings.maxOpenConnections) };
  const ports = createPorts(entries, planned, wiring);
  const monitor = new FarmMonitor(
    events,
    planned.map((l) => l.id),
  );
  const ledger = new AttemptLedger(
    events,
    planned.map((l) => l.id),
    settings.ledgerSize,
  );
  const log = await openLog(settings);
  if (log) events.on('event', (event) => log.write(event));
  try {
    await bindPorts(ports.ports, settings.host);
  } catch (error) {
    await Promise.all(ports.ports.map(({ owner }) => owner.close()));
    await log?.close();
    throw error;
  }
  const manifest = buildManifest({ host: settings.host, hostnames: settings.hostnames, ...caFiles(settings) }, planned);
  const listeners = new RunningListeners({ wiring, monitor, ledger, manifest }, entries, planned, ports);
  const closers: (() => Promise<void>)[] = [];
  const verifyReports = new LatestVerifyReport();
  const farm: Farm = {
    manifest,
    settings,
    notices: [...settings.notices, ...certificates.pki.notices],
    events,
    monitor,
    ledger,
    control: null,
    rootCaPem: certificates.pki.caPem('farm-root'),
    waitFor: (id, predicate, timeoutMs) => monitor.waitFor(id, predicate, timeoutMs),
    attempts: (id, query) => ledger.attempts(id, query),
    beginProbe: (id, probe, options) => ledger.beginProbe(id, probe, options),
    endProbe: (id, probe) => ledger.endProbe(id, probe),
    recordVerifyReport: (report) => verifyReports.record(report),
    verifyReports,
    reset: (id) => listeners.reset(id),
    add: (scenario, options) => listeners.add(scenario, options),
    update: (id, params) => listeners.update(id, params),
    updateBehaviour: (id, behaviour) => listeners.updateBehaviour(id, behaviour),
    remove: (id) => listeners.remove(id),
    url: (id) => listenerUrl(manifest, settings.host, id),
    close: async () => {
      await Promise.all([listeners.close(), ...closers.map((closer) => closer())]);
      await log?.close();
    },
  };
  attachedClosers.set(farm, closers);
  return farm;
}

/**
 * Starts the control API and dashboard of a running farm (src/control/server.ts) on the farm's `controlHost`,
 * `controlPort` (ephemeral when null) and `controlToken` unless `options` names others; sets `farm.control` and
 * `farm.manifest.control`, and `farm.close()` then closes it too.
 * @throws FarmError CONTROL_TOKEN_REQUIRED off loopback without a token, or the bind error (the farm keeps running).
 */
export async function startControl(farm: Farm, options: Partial<ControlOptions> = {}): Promise<ControlServer> {
  const { settings } = farm;
  // Loaded here, not with the farm: a farm without its control API (the library's default) never needs express.
  const { startControl: startControlServer } = await import('./control/server.js');
  const control = await startControlServer(
    {
      host: settings.controlHost,
      port: settings.controlPort ?? 0,
      token: settings.controlToken,
      hostnames: settings.hostnames,
      ...options,
    },
    {
      manifest: () => farm.manifest,
      rootCaPem: farm.rootCaPem,
      monitor: farm.monitor,
      events: farm.events,
      reset: (id) => farm.reset(id),
      ledger: farm.ledger,
      verifyReports: farm.verifyReports,
      listeners: farm,
    },
  );
  farm.control = { url: control.url };
  farm.manifest.control = { url: control.url };
  attachedClosers.get(farm)?.push(() => control.close());
  return control;
}
