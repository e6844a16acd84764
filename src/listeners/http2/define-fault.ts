import { Type, type Static, type TObject, type TProperties } from 'typebox';
import * as FaultParams from '../fault-params.js';
import { oncePerParams } from '../once-per-params.js';
import { H2_SHARED_PARAMS, type AlpnMode } from './params.js';
import { okResponse, type OkAnswer } from './response.js';
import type { H2Fault } from './session.js';

/** An HTTP/2 fault's params as it sees them: every own param present (a scenario's value, or the default). */
export type ResolvedH2Params<N extends string, P extends TProperties> = FaultParams.ResolvedParams<N, typeof H2_SHARED_PARAMS, P>;

/**
 * What an HTTP/2 fault is made from: the listener id (named in the answers), the scenario's params, and `ok`, the
 * control's answer for this listener (`okResponse`, with the listener's start as its Last-Modified), which most
 * faults send in part or whole.
 */
export interface H2FaultSetup<P> {
  id: string;
  params: P;
  ok(): OkAnswer;
}

/**
 * One HTTP/2 fault of the `http2` mechanism, as its module declares it once: its name (the scenario's
 * `params.fault`), its own params as TypeBox properties (each optional) and their defaults, and how it is made for
 * one listener: an `H2Fault` (src/listeners/http2/session.ts), which says what the server does on each connection.
 */
export interface H2FaultDefinition<N extends string, P extends TProperties> {
  name: N;
  params: P;
  /** The value of each own param a scenario leaves out. */
  defaults: Required<Static<TObject<P>>>;
  /** Makes the fault for one listener (state kept across its connections lives in what this returns). */
  create(setup: H2FaultSetup<ResolvedH2Params<N, P>>): H2Fault;
}

/** An HTTP/2 fault bound to one scenario's params. */
export interface BoundH2Fault {
  /** The scenario's ALPN mode (default `h2`). */
  alpn: AlpnMode;
  /** Makes the fault for the listener `id`. */
  create(id: string): H2Fault;
}

/** A registered HTTP/2 fault: its params schema, and `bind`, which narrows a scenario's params with it. */
export type RegisteredH2Fault = FaultParams.SelectableFault<BoundH2Fault>;

/** The check of the shared params on their own (extra properties allowed): what the mechanism reads of every fault's params. */
const sharedParams = FaultParams.checkOf(Type.Object(H2_SHARED_PARAMS));

/** Registers an HTTP/2 fault definition (see `H2FaultDefinition`). */
export function defineH2Fault<const N extends string, P extends TProperties>(definition: H2FaultDefinition<N, P>): RegisteredH2Fault {
  const schema = FaultParams.faultSchema(definition.name, H2_SHARED_PARAMS, definition.params);
  const check = FaultParams.checkOf(schema);
  return {
    name: definition.name,
    schema,
    bind: oncePerParams((params) => {
      if (!check.Check(params)) return undefined;
      const checked = params;
      return {
        alpn: (sharedParams.Check(checked) ? checked.alpn : undefined) ?? 'h2',
        create: (id) => {
          // Whole seconds, as Last-Modified carries them: the ETag derived from it stays the same for the listener's life.
          const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
          return definition.create({ id, params: { ...definition.defaults, ...checked }, ok: () => okResponse(id, startedAt) });
        },
      };
    }),
  };
}
