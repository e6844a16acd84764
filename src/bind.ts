import type { EventEmitter } from 'node:events';
import type { CatalogueEntry } from './catalogue.js';
import { connectionInScope } from './containment.js';
import { farmError } from './errors.js';
import { BoundListener } from './listeners/bound-listener.js';
import type { ConnectionBudget } from './listeners/connection-budget.js';
import type { ConnectionHandler, ListenerEvent, Mechanism, MechanismContext, PortOwner } from './listeners/index.js';
import { chooser, type Behaviour } from './listeners/behaviour.js';
import { CONTROLS } from './listeners/control.js';
import { ListenerHandler, type Selection } from './listeners/listener-handler.js';
import { tlsTerminator } from './listeners/tls-terminator.js';
import type { PlannedListener } from './manifest.js';
import { VALID_LEAF } from './pki/leaf-spec.js';
import type { ServedChain } from './pki/index.js';
import type { PreparedCertificates } from './prepare.js';
import type { FarmSettings } from './settings.js';

/** One port and the listeners it serves (one, or the scenarios of a shared-port mechanism at one offset). */
export interface PortPlan {
  owner: PortOwner;
  members: PlannedListener[];
}

/** The handler of a listener served on the farm's own port, and how to build it anew for other params. */
export interface ServedHandler {
  handler: ListenerHandler;
  /** The mechanism's handler for `params` (already checked). @throws FarmError BAD_SCENARIO when it would own its port. */
  build(params: unknown): ConnectionHandler;
  /**
   * The fault-or-control choice of `behaviour` (already checked) for this listener, with a fresh control and chooser;
   * undefined for none. @throws FarmError BAD_SCENARIO when no control listener can stand in.
   */
  selection(behaviour: Behaviour | undefined): Selection | undefined;
}

/** The farm's ports, unbound, and the handler of every listener that has one (for `reset` and run-time params). */
export interface FarmPorts {
  ports: PortPlan[];
  handlers: Map<string, ServedHandler>;
}

/** What every listener shares: settings, certificates, the event stream and the farm-wide connection budget. */
export interface FarmWiring {
  settings: FarmSettings;
  certificates: PreparedCertificates;
  events: EventEmitter<{ event: [ListenerEvent] }>;
  connectionBudget: ConnectionBudget;
}

/** Terminates TLS with a valid certificate in front of a plain mechanism (the `<scenario>-tls` listeners). */
function overTls(inner: ConnectionHandler, chain: ServedChain, context: MechanismContext): ConnectionHandler {
  return tlsTerminator({ key: chain.privateKeyPem, cert: chain.chainPem }, (socket, raw) => inner.onConnection(socket, raw), context);
}

function contextFor(listener: PlannedListener, wiring: FarmWiring): MechanismContext {
  const { settings, certificates, events, connectionBudget } = wiring;
  return {
    id: listener.id,
    pki: certificates.pki,
    userCertificate: certificates.userCertificate,
    names: settings,
    // A mechanism reports its events without the connection's number: the connection being handled supplies it.
    emit: (event) => {
      const connection = event.connection ?? connectionInScope();
      events.emit('event', { ...event, ...(connection === undefined ? {} : { connection }), listener: listener.id, time: Date.now() });
    },
    caps: settings.caps,
    connectionBudget,
  };
}

/**
 * The fault-or-control choice of a listener with a `behaviour`: its control built with the listener's own context,
 * for what its clients speak to the mechanism (a `-tls` variant that does not terminate TLS takes TLS clients raw).
 */
function selectionOf(listener: PlannedListener, mechanism: Mechanism, context: MechanismContext, behaviour: Behaviour): Selection {
  const control = CONTROLS[listener.tlsVariant && !listener.terminateTls ? listener.transport : mechanism.transport];
  if (!control)
    throw farmError('BAD_SCENARIO', listener.scenario.file, `behaviour: a ${mechanism.transport} listener has no control listener`);
  const handler = control.mechanism.create(control.params, context);
  if ('listen' in handler) throw farmError('BAD_SCENARIO', listener.scenario.file, `behaviour: control ${control.scenario} owns its port`);
  return { control: handler, chooser: chooser(behaviour), emit: context.emit };
}

/**
 * `mechanism.create`, with the errors node:tls throws for settings OpenSSL refuses (an unknown cipher string, a
 * protocol version it does not know, a certificate below its security level) turned into the scenario's error: they
 * come from the scenario document, not from the farm.
 * @throws FarmError BAD_SCENARIO naming `file` and OpenSSL's reason; any other error as thrown.
 */
function created(mechanism: Mechanism, params: unknown, context: MechanismContext, file: string): ConnectionHandler | PortOwner {
  try {
    return mechanism.create(params, context);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (/^ERR_(SSL|OSSL|TLS)_/.test(code))
      throw farmError('BAD_SCENARIO', file, `node:tls refuses these settings: ${(error as Error).message}`);
    throw error;
  }
}

/** The port of one listener: the mechanism's own (it owns its port) or a BoundListener around its handler. */
function portOf(listener: PlannedListener, mechanism: Mechanism, wiring: FarmWiring, handlers: FarmPorts['handlers']): PortPlan {
  const context = contextFor(listener, wiring);
  const made = created(mechanism, listener.scenario.params, context, listener.scenario.file);
  if ('listen' in made) {
    if (listener.scenario.behaviour)
      throw farmError(
        'BAD_SCENARIO',
        listener.scenario.file,
        `behaviour: mechanism ${listener.scenario.mechanism} owns its port, so no control listener can take its connections`,
      );
    if (listener.terminateTls)
      throw farmError(
        'BAD_SCENARIO',
        listener.scenario.file,
        `mechanism ${listener.scenario.mechanism} owns its port, so its tls variant needs terminate: false`,
      );
    return { owner: made, members: [listener] };
  }
  const selection = (behaviour: Behaviour | undefined) => behaviour && selectionOf(listener, mechanism, context, behaviour);
  const served = new ListenerHandler(made, selection(listener.scenario.behaviour));
  const build = (params: unknown): ConnectionHandler => {
    const handler = created(mechanism, params, context, listener.scenario.file);
    if ('listen' in handler)
      throw farmError('BAD_SCENARIO', listener.scenario.file, `mechanism ${mechanism.name} would own its port with these params`);
    return handler;
  };
  handlers.set(listener.id, { handler: served, build, selection });
  const { pki, userCertificate } = wiring.certificates;
  const handler = listener.terminateTls ? overTls(served, userCertificate ?? pki.chain(VALID_LEAF), context) : served;
  return {
    owner: new BoundListener(listener.id, handler, context.emit, wiring.settings.caps, wiring.connectionBudget),
    members: [listener],
  };
}

/**
 * Creates the port of every planned listener, none bound yet: one per listener, except that the scenarios of a
 * shared-port mechanism (DNS) at one offset share one.
 * @throws FarmError BAD_SCENARIO for a `-tls` variant that would terminate TLS in front of a mechanism owning its port.
 */
export function createPorts(entries: CatalogueEntry[], planned: PlannedListener[], wiring: FarmWiring): FarmPorts {
  const mechanisms = new Map(entries.map((entry) => [entry.scenario.id, entry.mechanism]));
  const result: FarmPorts = { ports: [], handlers: new Map() };
  const groups = new Set<string>();
  for (const listener of planned) {
    const mechanism = mechanisms.get(listener.scenario.id)!;
    const { sharedPort } = mechanism;
    if (!sharedPort) {
      result.ports.push(portOf(listener, mechanism, wiring, result.handlers));
      continue;
    }
    const key = `${mechanism.name}@${listener.scenario.offset}`;
    if (groups.has(key)) continue;
    groups.add(key);
    const members = planned.filter((l) => mechanisms.get(l.scenario.id) === mechanism && l.scenario.offset === listener.scenario.offset);
    result.ports.push({
      owner: sharedPort.createGroup(members.map((l) => ({ params: l.scenario.params, context: contextFor(l, wiring) }))),
      members,
    });
  }
  return result;
}

/** How often a listener that gave its ephemeral port back is moved before the farm gives up. */
const MOVES = 10;

/**
 * Binds every port on `host`, in order, and writes the bound port (and any warning) into its listeners. An
 * ephemeral port (0) can come back a second time only when the listener that had it first holds nothing there
 * (`connection-refused` must leave its port unbound): that listener is moved to another ephemeral port, so no two
 * listeners of a farm share one.
 * @throws FarmError the first bind error (see `bindError`), or EADDRINUSE when a listener could not be moved in
 *   `MOVES` tries; the caller closes what was bound.
 */
export async function bindPorts(ports: PortPlan[], host: string): Promise<void> {
  const holders = new Map<number, PortPlan>();
  const ephemeral = new Set<PortPlan>();
  const place = async (plan: PortPlan, requested: number): Promise<number> => {
    const port = await plan.owner.listen(host, requested);
    for (const member of plan.members) Object.assign(member, { port, warning: plan.owner.warning });
    return port;
  };
  const move = async (plan: PortPlan): Promise<void> => {
    for (let tries = 0; tries < MOVES; tries++) {
      const port = await place(plan, 0);
      if (!holders.has(port)) return void holders.set(port, plan);
    }
    throw farmError('EADDRINUSE', `an ephemeral port for listener ${plan.members[0]!.id} on ${host} (${MOVES} tries)`);
  };
  for (const plan of ports) {
    const requested = plan.members[0]!.port;
    if (requested === 0) ephemeral.add(plan);
    const port = await place(plan, requested);
    const earlier = holders.get(port);
    holders.set(port, plan);
    if (earlier && ephemeral.has(earlier)) await move(earlier);
  }
}
