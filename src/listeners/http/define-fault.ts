import { Type, type TObject, type TProperties, type Static } from 'typebox';
import { PLAIN_GET, type ClientLimits, type ClientRequest } from '../../client-request.js';
import * as FaultParams from '../fault-params.js';
import { oncePerParams } from '../once-per-params.js';
import type { FaultContext, RequestContext } from './faults/context.js';
import { SHARED_PARAMS, readOverrides, type OverrideParam } from './params.js';

/** The params schema of one HTTP fault: `fault` (its name), the shared params and its own. */
export type FaultSchema<N extends string, P extends TProperties> = FaultParams.FaultSchema<N, typeof SHARED_PARAMS, P>;

/** An HTTP fault's params as its behaviour sees them: every own param present (a scenario's value, or the default). */
export type ResolvedParams<N extends string, P extends TProperties> = FaultParams.ResolvedParams<N, typeof SHARED_PARAMS, P>;

/**
 * One HTTP fault of the `http-fault` mechanism, as its module declares it once: its name (the scenario's
 * `params.fault`), its own params as TypeBox properties (each optional) and their defaults, the ones a query
 * parameter may override per request, the request a client must send to observe it, and its behaviour.
 */
export interface HttpFaultDefinition<N extends string, P extends TProperties> {
  name: N;
  params: P;
  /** The value of each own param a scenario leaves out. */
  defaults: Required<Static<TObject<P>>>;
  /** Own params a query parameter may override for one request (the grammar is `OVERRIDES`, src/listeners/http/params.ts). */
  overrides?: (keyof P & OverrideParam)[];
  /** False when the fault acts before any request is read (connection-hold); default true. */
  readsRequest?: boolean;
  /** What a client must send to observe the fault, when `GET` with the whole body read is not enough. */
  request?(params: ResolvedParams<N, P>, client: ClientLimits): ClientRequest;
  /** Answers (or deliberately does not answer) one request. May return a promise; must not throw for bad input. */
  behaviour(context: FaultContext<ResolvedParams<N, P>>): void | Promise<void>;
}

/** A fault bound to one scenario's params. */
export interface BoundFault {
  /** The scenario's `headTimeoutMs`, when it sets one. */
  headTimeoutMs?: number;
  readsRequest: boolean;
  request(client: ClientLimits): ClientRequest;
  /** The behaviour for one request with the overrides of `query` applied, or an error text (answered with a 400). */
  respond(query: URLSearchParams): { run(context: RequestContext): void | Promise<void> } | { error: string };
}

/** A registered HTTP fault: its params schema, and `bind`, which narrows a scenario's params with it. */
export type HttpFault = FaultParams.SelectableFault<BoundFault> & {
  /** The params a query parameter may override per request (`HttpFaultDefinition.overrides`). */
  overrides: readonly string[];
};

/** The check of the shared params on their own (extra properties allowed): what the mechanism reads of every fault's params. */
const sharedParams = FaultParams.checkOf(Type.Object(SHARED_PARAMS));

/** Registers a fault definition (see `HttpFaultDefinition`). */
export function defineHttpFault<const N extends string, P extends TProperties>(definition: HttpFaultDefinition<N, P>): HttpFault {
  const schema = FaultParams.faultSchema(definition.name, SHARED_PARAMS, definition.params);
  const check = FaultParams.checkOf(schema);
  const overridable = new Set<string>(definition.overrides ?? []);
  return {
    name: definition.name,
    schema,
    overrides: [...overridable],
    bind: oncePerParams((params) => {
      if (!check.Check(params)) return undefined;
      const checked = params;
      return {
        headTimeoutMs: sharedParams.Check(checked) ? checked.headTimeoutMs : undefined,
        readsRequest: definition.readsRequest ?? true,
        request: (client) => definition.request?.({ ...definition.defaults, ...checked }, client) ?? PLAIN_GET,
        respond(query) {
          const read = readOverrides(query);
          if ('error' in read) return read;
          const merged = { ...checked, ...Object.fromEntries(Object.entries(read.values).filter(([param]) => overridable.has(param))) };
          if (!check.Check(merged)) return { error: 'the overrides do not fit this fault' };
          const resolved = { ...definition.defaults, ...merged };
          return { run: (context) => definition.behaviour({ ...context, params: resolved }) };
        },
      };
    }),
  };
}
