import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { BehaviourSchema } from './listeners/behaviour.js';
import { MECHANISMS } from './listeners/index.js';
import { packagePath } from './paths.js';
import type { ScenarioDocument } from './scenario-schema.js';

/**
 * The JSON Schema checks a farm runs on its inputs: a scenario document (schema/scenario.schema.json), each
 * mechanism's `params`, a listener's `behaviour` block (src/listeners/behaviour.ts) and a manifest
 * (schema/manifest.schema.json). Each sets `errors` when it returns false.
 */
export interface SchemaChecks {
  scenario: ValidateFunction<ScenarioDocument>;
  /** By mechanism name. */
  params: ReadonlyMap<string, ValidateFunction>;
  behaviour: ValidateFunction;
  manifest: ValidateFunction;
}

/** Ajv's options for every check (the build compiles with the same). */
export const AJV_OPTIONS = { allErrors: true, strict: false, discriminator: true } as const;

/** Key under which `AJV_OPTIONS`' Ajv holds the params schema of mechanism `name`. */
export const paramsKey = (name: string): string => `params:${name}`;

/**
 * Every schema checked, by key (`scenario`, `manifest`, `behaviour`, `paramsKey(mechanism)`). The scenario schema comes first:
 * the manifest schema refers to it by its `$id`.
 */
export function checkedSchemas(): [key: string, schema: object][] {
  const file = (name: string): object => JSON.parse(readFileSync(packagePath(`schema/${name}.schema.json`), 'utf8'));
  return [
    ['scenario', file('scenario')],
    ['manifest', file('manifest')],
    ['behaviour', BehaviourSchema],
    ...[...MECHANISMS.values()].map((m): [string, object] => [paramsKey(m.name), m.paramsSchema]),
  ];
}

let compiled: SchemaChecks | undefined;

/**
 * The checks, compiled once per process on first use. The built package replaces this module with the same checks
 * compiled ahead of time (Ajv standalone code, see scripts/build.ts), so a packaged start neither loads Ajv's
 * compiler nor compiles a schema.
 * @throws Error when a schema does not compile (a defect of the package, not of the input).
 */
export function schemaChecks(): SchemaChecks {
  if (compiled) return compiled;
  // Without Ajv's code optimiser: compiled at every start from source, it would cost more than it saves.
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { optimize: false } });
  for (const [key, schema] of checkedSchemas()) ajv.addSchema(schema, key);
  // The scenario check's type is the schema's own (schema/scenario.schema.json is rendered from src/scenario-schema.ts).
  const get = <T = unknown>(key: string): ValidateFunction<T> => {
    const check = ajv.getSchema<T>(key);
    if (!check) throw new Error(`schema ${key} did not compile`);
    return check;
  };
  compiled = {
    scenario: get<ScenarioDocument>('scenario'),
    manifest: get('manifest'),
    behaviour: get('behaviour'),
    params: new Map([...MECHANISMS.keys()].map((name) => [name, get(paramsKey(name))])),
  };
  return compiled;
}
