import { Type, type Static, type TLiteral, type TObject, type TProperties, type TSchema, type TUnsafe } from 'typebox';
import { Value } from 'typebox/value';
import { farmError } from '../errors.js';

/**
 * What the mechanisms whose `params.fault` picks one fault module (`http-fault`, `http2`) share: the params schema
 * of one fault, the mechanism's params schema made of its faults' schemas, and the search for the fault that takes
 * a scenario's params. Each mechanism adds what its faults declare beyond params (src/listeners/http/define-fault.ts,
 * src/listeners/http2/define-fault.ts).
 */

/** The params schema of one fault: `fault` (its name), the params every fault of its mechanism takes (`S`) and its own (`P`). */
export type FaultSchema<N extends string, S extends TProperties, P extends TProperties> = TObject<{ fault: TLiteral<N> } & S & P>;

/** A fault's params as its behaviour sees them: every own param present (a scenario's value, or the default). */
export type ResolvedParams<N extends string, S extends TProperties, P extends TProperties> = Static<FaultSchema<N, S, P>> &
  Required<Static<TObject<P>>>;

/** The schema of `FaultSchema`: no property besides `fault`, the shared params and the fault's own. */
export function faultSchema<const N extends string, S extends TProperties, P extends TProperties>(
  name: N,
  shared: S,
  own: P,
): FaultSchema<N, S, P> {
  return Type.Object({ fault: Type.Literal(name), ...shared, ...own }, { additionalProperties: false });
}

/** A check that narrows a value to a schema's type. */
export interface SchemaCheck<T extends TSchema> {
  Check(value: unknown): value is Static<T>;
}

/**
 * The check of `schema`, by TypeBox's interpreter rather than compiled: compiling every fault's schema cost more of
 * a start than all the checks it would speed up, since a scenario's params are bound once (see `bindOnce`).
 */
export function checkOf<T extends TSchema>(schema: T): SchemaCheck<T> {
  return { Check: (value): value is Static<T> => Value.Check(schema, value) };
}

/** A registered fault of such a mechanism: its params schema, and `bind`, which narrows a scenario's params with it. */
export interface SelectableFault<B> {
  name: string;
  /** JSON Schema of the params of a scenario of this fault. */
  schema: TSchema;
  /** Binds params to the fault; undefined when they are not params of this fault. */
  bind(params: unknown): B | undefined;
}

/**
 * A mechanism's `params` schema: the params of exactly one of `faults`, told apart by `fault` (a discriminated
 * union, so that a validator reports the errors of the fault named rather than of every fault). Its type stays
 * `unknown`: each fault narrows its own params (`SelectableFault.bind`).
 */
export function faultParamsSchema(faults: readonly SelectableFault<unknown>[]): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({
    type: 'object',
    required: ['fault'],
    discriminator: { propertyName: 'fault' },
    oneOf: faults.map((fault) => fault.schema),
  });
}

/**
 * The fault of `faults` that takes a scenario's params, bound to them.
 * @throws FarmError BAD_SCENARIO when no fault takes them.
 */
export function bindFault<B>(mechanism: string, faults: readonly SelectableFault<B>[], params: unknown): B {
  const name = typeof params === 'object' && params !== null && 'fault' in params ? params.fault : undefined;
  const bound = faults.find((fault) => fault.name === name)?.bind(params);
  if (bound) return bound;
  throw farmError('BAD_SCENARIO', `params of mechanism ${mechanism}`, `no fault of ${faults.map((f) => f.name).join(', ')} takes them`);
}
