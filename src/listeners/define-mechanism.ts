import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { oncePerParams } from './once-per-params.js';
import type { ClientLimits, ClientRequest } from '../client-request.js';
import { farmError } from '../errors.js';
import type { LeafSpec } from '../pki/index.js';
import type { FarmNames } from '../placeholders.js';
import type { Transport } from '../transport.js';
import type { ConnectionHandler, MechanismContext, PortOwner } from './mechanism.js';

/** The question a DNS listener's reference clients ask. */
export interface DnsQuestion {
  name: string;
  type: 'A';
}

/** One member of a port shared by several scenarios of one mechanism. */
export interface GroupMember<P> {
  params: P;
  context: MechanismContext;
}

/** Ability: the listener serves certificates, which the PKI issues before any listener starts. */
export interface IssuesCertificates<P> {
  /** Leaf certificates this listener serves. */
  leafSpecs(params: P): LeafSpec[];
  /** True when it serves the farm's `valid` leaf, which the user's `--tls-cert` then replaces. */
  servesValidLeaf(params: P): boolean;
}

/**
 * Ability: the mechanism's scenarios share one port and one PortOwner per offset (the DNS server carries every
 * `dns` scenario): the farm calls `createGroup` once with every member instead of `create` for each.
 */
export interface SharesPort<P> {
  createGroup(members: GroupMember<P>[]): PortOwner;
}

/** Ability: each scenario is a DNS name; `query` is the question its reference clients ask. */
export interface IsDnsName<P> {
  query(params: P, names: FarmNames): DnsQuestion;
}

/** Ability: the listener needs a request other than `GET /` with the whole body read to show its fault. */
export interface DeclaresRequest<P> {
  request(params: P, client: ClientLimits): ClientRequest;
}

/**
 * A mechanism as its module writes it: one way of misbehaving on a socket, configured by a scenario's `params`,
 * whose TypeScript type is derived from the TypeBox schema `params`; the abilities it has are opt-in.
 */
export interface MechanismDefinition<S extends TSchema> {
  name: string;
  transport: Transport;
  /** TypeBox schema of `params`; the catalogue rejects a scenario whose params do not match. */
  params: S;
  /** Builds the listener: a connection handler the farm serves on its own listener, or a PortOwner. */
  create(params: Static<S>, context: MechanismContext): ConnectionHandler | PortOwner;
  certificates?: IssuesCertificates<Static<S>>;
  sharedPort?: SharesPort<Static<S>>;
  dnsName?: IsDnsName<Static<S>>;
  clientRequest?: DeclaresRequest<Static<S>>;
}

/**
 * A registered mechanism: the definition with its params type erased. Every method takes the scenario's params as
 * `unknown` and narrows them with the compiled schema check, so the registry is a plain list of one type.
 * @throws FarmError BAD_SCENARIO (from every method) when params do not match the schema.
 */
export interface Mechanism {
  name: string;
  transport: Transport;
  /** JSON Schema of `params` (a TypeBox schema is one). */
  paramsSchema: TSchema;
  create(params: unknown, context: MechanismContext): ConnectionHandler | PortOwner;
  certificates?: IssuesCertificates<unknown>;
  sharedPort?: SharesPort<unknown>;
  dnsName?: IsDnsName<unknown>;
  clientRequest?: DeclaresRequest<unknown>;
}

/** Registers a mechanism definition (see `Mechanism`). */
export function defineMechanism<S extends TSchema>(definition: MechanismDefinition<S>): Mechanism {
  // Checked by TypeBox's interpreter, not a compiled checker: compiling every mechanism's schema cost more of a
  // start than the checks it would speed up.
  const checkedOnce = oncePerParams((params): Static<S> | undefined => (Value.Check(definition.params, params) ? params : undefined));
  const narrow = (params: unknown): Static<S> => {
    const checked = checkedOnce(params);
    if (checked !== undefined) return checked;
    const why = Value.Errors(definition.params, params)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw farmError('BAD_SCENARIO', `params of mechanism ${definition.name}`, why);
  };
  const { certificates, sharedPort, dnsName, clientRequest } = definition;
  return {
    name: definition.name,
    transport: definition.transport,
    paramsSchema: definition.params,
    create: (params, context) => definition.create(narrow(params), context),
    ...(certificates && {
      certificates: {
        leafSpecs: (params) => certificates.leafSpecs(narrow(params)),
        servesValidLeaf: (params) => certificates.servesValidLeaf(narrow(params)),
      },
    }),
    ...(sharedPort && {
      sharedPort: {
        createGroup: (members) => sharedPort.createGroup(members.map((m) => ({ params: narrow(m.params), context: m.context }))),
      },
    }),
    ...(dnsName && { dnsName: { query: (params, names) => dnsName.query(narrow(params), names) } }),
    ...(clientRequest && { clientRequest: { request: (params, client) => clientRequest.request(narrow(params), client) } }),
  };
}
