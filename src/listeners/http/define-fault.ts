import { Type, type Static, type TLiteral, type TObject, type TProperties, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { PLAIN_GET, type ClientLimits, type ClientRequest } from '../../client-request.js';
import type { FaultContext, RequestContext } from './faults/context.js';
import { SHARED_PARAMS, readOverrides, type OverrideParam } from './params.js';

/** The params schema of one fault: `fault` (its name), the shared params and its own. */
export type FaultSchema<N extends string, P extends TProperties> = TObject<{ fault: TLiteral<N> } & typeof SHARED_PARAMS & P>;

/** A fault's params as its behaviour sees them: every own param present (a scenario's value, or the default). */
export type ResolvedParams<N extends string, P extends TProperties> = Static<FaultSchema<N, P>> & Required<Static<TObject<P>>>;

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
export interface HttpFault {
  name: string;
  /** JSON Schema of the params of a scenario of this fault. */
  schema: TSchema;
  /** The params a query parameter may override per request (`HttpFaultDefinition.overrides`). */
  overrides: readonly string[];
  /** Binds params to the fault; undefined when they are not params of this fault. */
  bind(params: unknown): BoundFault | undefined;
}

let shared: ReturnType<typeof Compile<TObject<typeof SHARED_PARAMS>>> | undefined;

/** The check of the shared params on their own (extra properties allowed): what the mechanism reads of every fault's params. */
function sharedParams(): ReturnType<typeof Compile<TObject<typeof SHARED_PARAMS>>> {
  shared ??= Compile(Type.Object(SHARED_PARAMS));
  return shared;
}

/** Registers a fault definition (see `HttpFaultDefinition`). */
export function defineHttpFault<const N extends string, P extends TProperties>(definition: HttpFaultDefinition<N, P>): HttpFault {
  const schema: FaultSchema<N, P> = Type.Object(
    { fault: Type.Literal(definition.name), ...SHARED_PARAMS, ...definition.params },
    { additionalProperties: false },
  );
  // Compiled at first use, not at registration: every fault registers at every start, few are bound by each.
  let compiled: ReturnType<typeof Compile<FaultSchema<N, P>>> | undefined;
  const overridable = new Set<string>(definition.overrides ?? []);
  return {
    name: definition.name,
    schema,
    overrides: [...overridable],
    bind(params) {
      compiled ??= Compile(schema);
      const validator = compiled;
      if (!validator.Check(params)) return undefined;
      const checked = params;
      return {
        headTimeoutMs: sharedParams().Check(checked) ? checked.headTimeoutMs : undefined,
        readsRequest: definition.readsRequest ?? true,
        request: (client) => definition.request?.({ ...definition.defaults, ...checked }, client) ?? PLAIN_GET,
        respond(query) {
          const read = readOverrides(query);
          if ('error' in read) return read;
          const merged = { ...checked, ...Object.fromEntries(Object.entries(read.values).filter(([param]) => overridable.has(param))) };
          if (!validator.Check(merged)) return { error: 'the overrides do not fit this fault' };
          const resolved = { ...definition.defaults, ...merged };
          return { run: (context) => definition.behaviour({ ...context, params: resolved }) };
        },
      };
    },
  };
}
