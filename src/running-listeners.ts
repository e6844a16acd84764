import { bindPorts, createPorts, type FarmPorts, type FarmWiring, type PortPlan, type ServedHandler } from './bind.js';
import { checkBehaviour, checkParams, checkScenario, type CatalogueEntry } from './catalogue.js';
import { farmError } from './errors.js';
import type { AttemptLedger } from './ledger/ledger.js';
import type { ListenerEventType } from './listeners/index.js';
import { buildManifest, type Manifest, type ManifestListener, type PlannedListener } from './manifest.js';
import type { FarmMonitor } from './monitor.js';
import { caFiles, planListeners } from './plan.js';
import { prepareAddedCertificates } from './prepare.js';

/** Where `add` puts a scenario's listener. */
export interface AddOptions {
  /** TCP (or DNS) port of the scenario's own listener; 0 or absent: an ephemeral one. A `-tls` variant's is always ephemeral. */
  port?: number;
}

/** One listener the farm runs: its plan, its port, its scenario, and its handler when served on the farm's own port. */
interface Running {
  planned: PlannedListener;
  port: PortPlan;
  entry: CatalogueEntry;
  served?: ServedHandler;
}

/** What the running listeners keep up to date. */
export interface ListenerBooks {
  wiring: FarmWiring;
  monitor: FarmMonitor;
  ledger: AttemptLedger;
  /** The farm's manifest: its `listeners` are rebuilt after every change. */
  manifest: Manifest;
}

/**
 * The listeners a farm runs, changeable while it runs: `add` plans, prepares and binds one scenario document's
 * listeners the way the farm's start does (src/plan.ts, src/prepare.ts, src/bind.ts), `update` gives a scenario's
 * running listeners new params, `updateBehaviour` a new behaviour, `remove` stops one. Each change rebuilds the manifest's listener list, follows the
 * monitor and the attempt ledger, and reports a `listener-added`, `listener-changed` or `listener-removed` event.
 */
export class RunningListeners {
  private readonly byId = new Map<string, Running>();
  private readonly pending = new Set<string>();
  private closed = false;

  constructor(
    private readonly books: ListenerBooks,
    entries: CatalogueEntry[],
    planned: PlannedListener[],
    ports: FarmPorts,
  ) {
    this.register(entries, planned, ports);
  }

  /** True when the farm runs listener `id`. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * Starts the listeners of one scenario document (the schema of scenarios/*.yaml, parsed): `<id>`, and `<id>-tls`
   * when it has a `tls` section. @returns the manifest entry of `<id>`.
   * @throws FarmError BAD_SCENARIO for a document that does not check, LISTENER_EXISTS for an id the farm runs,
   *   EADDRINUSE (and the other bind errors) for a port it cannot have, CERTS_* when its leaves cannot be issued.
   */
  async add(document: unknown, options: AddOptions = {}): Promise<ManifestListener> {
    const entry = checkScenario(document, 'scenario document');
    const { settings } = this.books.wiring;
    const planned = planListeners({ ...settings, basePort: 0, dnsPort: undefined, only: [], skip: [] }, [entry]);
    if (options.port) planned[0]!.port = options.port;
    const taken = planned.find((l) => this.byId.has(l.id) || this.pending.has(l.id));
    if (taken) throw farmError('LISTENER_EXISTS', taken.id);
    if (this.closed) throw farmError('LISTENER_FIXED', entry.scenario.id, 'the farm is closing');
    for (const l of planned) this.pending.add(l.id);
    try {
      await prepareAddedCertificates(this.books.wiring.certificates, [entry]);
      const ports = createPorts([entry], planned, this.books.wiring);
      try {
        await bindPorts(ports.ports, settings.host);
        if (this.closed) throw farmError('LISTENER_FIXED', entry.scenario.id, 'the farm is closing');
      } catch (error) {
        await Promise.all(ports.ports.map(({ owner }) => owner.close()));
        throw error;
      }
      this.register([entry], planned, ports);
      this.changed(
        planned.map((l) => l.id),
        'listener-added',
      );
      return this.entry(entry.scenario.id);
    } finally {
      for (const l of planned) this.pending.delete(l.id);
    }
  }

  /**
   * Replaces the params of listener `id`'s scenario (its `-tls` variant or plain listener too): connections accepted
   * from now on get the new behaviour; open ones finish with the old. @returns the manifest entry of `id`.
   * @throws FarmError UNKNOWN_LISTENER, BAD_SCENARIO for params the mechanism does not take, LISTENER_FIXED for a
   *   listener whose mechanism owns its port (remove it and add it again), CERTS_* when its leaves cannot be issued.
   */
  async update(id: string, params: unknown): Promise<ManifestListener> {
    const running = this.running(id);
    const checked = checkParams(running.entry.scenario, params);
    const siblings = this.servedSiblings(running, id, 'params');
    const entry: CatalogueEntry = { mechanism: running.entry.mechanism, scenario: { ...running.entry.scenario, params: checked } };
    await prepareAddedCertificates(this.books.wiring.certificates, [entry]);
    const handlers = siblings.map((r) => r.served!.build(checked));
    const { settings } = this.books.wiring;
    const replanned = new Map(
      planListeners({ ...settings, basePort: 0, dnsPort: undefined, only: [], skip: [] }, [entry]).map((l) => [l.id, l]),
    );
    siblings.forEach((r, i) => {
      r.served!.handler.replace(handlers[i]!);
      const plan = replanned.get(r.planned.id);
      r.planned = { ...(plan ?? r.planned), port: r.planned.port, ...(r.planned.warning ? { warning: r.planned.warning } : {}) };
      r.port.members = r.port.members.map((m) => (m.id === r.planned.id ? r.planned : m));
      r.entry = entry;
    });
    this.changed(
      siblings.map((r) => r.planned.id),
      'listener-changed',
      'params',
    );
    return this.entry(id);
  }

  /**
   * Sets, changes or clears (`null`) the behaviour of listener `id`'s scenario (both its listeners when it has a
   * `-tls` variant): from the next connection on, a fresh chooser decides fault or control, counting from zero (the
   * clock and the PRNG start over too); open connections keep what they got. @returns the manifest entry of `id`.
   * @throws FarmError UNKNOWN_LISTENER, BAD_SCENARIO (the behaviour schema error, or a DNS listener: it has no
   *   control), LISTENER_FIXED for a mechanism that owns its port, CERTS_* when the control's leaf cannot be issued.
   */
  async updateBehaviour(id: string, behaviour: unknown): Promise<ManifestListener> {
    const running = this.running(id);
    const checked = checkBehaviour(running.entry, behaviour);
    const siblings = this.servedSiblings(running, id, 'behaviour');
    const { behaviour: _previous, ...scenario } = running.entry.scenario;
    const entry: CatalogueEntry = {
      mechanism: running.entry.mechanism,
      scenario: checked ? { ...scenario, behaviour: checked } : scenario,
    };
    await prepareAddedCertificates(this.books.wiring.certificates, [entry]);
    const selections = siblings.map((r) => r.served!.selection(checked));
    siblings.forEach((r, i) => {
      r.served!.handler.select(selections[i]);
      r.planned = { ...r.planned, scenario: entry.scenario };
      r.port.members = r.port.members.map((m) => (m.id === r.planned.id ? r.planned : m));
      r.entry = entry;
    });
    this.changed(
      siblings.map((r) => r.planned.id),
      'listener-changed',
      checked ? `behaviour ${JSON.stringify(checked)}` : 'behaviour cleared',
    );
    return this.entry(id);
  }

  /**
   * Stops listener `id` and ends its open connections; resolves once its port is released.
   * @throws FarmError UNKNOWN_LISTENER, LISTENER_FIXED for a listener sharing its port with others (DNS).
   */
  async remove(id: string): Promise<void> {
    const running = this.running(id);
    if (running.port.members.length > 1) {
      throw farmError(
        'LISTENER_FIXED',
        id,
        `shares its port with ${running.port.members
          .filter((m) => m.id !== id)
          .map((m) => m.id)
          .join(', ')}; it cannot be stopped alone`,
      );
    }
    this.byId.delete(id);
    await running.port.owner.close();
    this.changed([id], 'listener-removed');
    this.books.monitor.remove(id);
    this.books.ledger.remove(id);
  }

  /** Resets listener `id`'s state and counters: false when it keeps no state, undefined for an unknown id. */
  reset(id: string): boolean | undefined {
    const running = this.byId.get(id);
    if (!running) return undefined;
    this.books.monitor.resetStats(id);
    if (!running.served?.handler.resettable) return false;
    running.served.handler.reset();
    return true;
  }

  /** Stops every listener; resolves when every port is released. Later `add` calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const owners = new Set([...this.byId.values()].map((r) => r.port.owner));
    await Promise.all([...owners].map((owner) => owner.close()));
  }

  /**
   * The listeners of `running`'s scenario (itself and its `-tls` variant or plain listener), all served on the farm's
   * own port. @throws FarmError LISTENER_FIXED when one's mechanism owns its port (its `what` cannot change in place).
   */
  private servedSiblings(running: Running, id: string, what: 'params' | 'behaviour'): Running[] {
    const siblings = [...this.byId.values()].filter((r) => r.entry === running.entry);
    if (siblings.some((r) => !r.served))
      throw farmError(
        'LISTENER_FIXED',
        id,
        `mechanism ${running.entry.mechanism.name} owns its port: remove the listener and add it again with the new ${what}`,
      );
    return siblings;
  }

  private running(id: string): Running {
    const running = this.byId.get(id);
    if (!running) throw farmError('UNKNOWN_LISTENER', id);
    return running;
  }

  private entry(id: string): ManifestListener {
    const listener = this.books.manifest.listeners.find((l) => l.id === id);
    if (!listener) throw farmError('UNKNOWN_LISTENER', id);
    return listener;
  }

  private register(entries: CatalogueEntry[], planned: PlannedListener[], ports: FarmPorts): void {
    const byScenario = new Map(entries.map((entry) => [entry.scenario.id, entry]));
    const portOf = new Map(ports.ports.flatMap((port) => port.members.map((member) => [member.id, port] as const)));
    for (const l of planned) {
      const port = portOf.get(l.id);
      if (!port) continue;
      const served = ports.handlers.get(l.id);
      this.byId.set(l.id, { planned: l, port, entry: byScenario.get(l.scenario.id)!, ...(served ? { served } : {}) });
      if (this.books.monitor.get(l.id)) continue;
      this.books.monitor.add(l.id);
      this.books.ledger.add(l.id);
    }
  }

  /** Rebuilds the manifest's listeners (in the order the farm started them) and reports `type` (with `detail`) for each of `ids`. */
  private changed(ids: string[], type: ListenerEventType, detail?: string): void {
    const { settings, events } = this.books.wiring;
    const rebuilt = buildManifest(
      { host: settings.host, hostnames: settings.hostnames, ...caFiles(settings) },
      [...this.byId.values()].map((r) => r.planned),
    );
    this.books.manifest.listeners = rebuilt.listeners;
    for (const id of ids) events.emit('event', { listener: id, type, time: Date.now(), ...(detail === undefined ? {} : { detail }) });
  }
}
