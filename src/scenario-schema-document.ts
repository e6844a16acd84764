import { CDN_EXPECTATION_SCHEMAS } from './cdn/expectation.js';
import { BehaviourSchema } from './listeners/behaviour.js';
import {
  ConnectSchema,
  PROXY_DESCRIPTION,
  PROXY_REPORTERS,
  ProxyOutcomeSchema,
  REPORTERS,
  SCENARIO_PROPERTIES,
  ScenarioSchema,
  SourceSchema,
  TlsSchema,
} from './scenario-schema.js';

type Json = { [key: string]: unknown };

/** A schema as plain JSON (TypeBox's markers are not enumerable, so they are left out). */
const plain = (schema: object): Json => JSON.parse(JSON.stringify(schema));

const ref = (name: string, description?: string): Json => ({ $ref: `#/definitions/${name}`, ...(description ? { description } : {}) });

const isKey = <T extends object>(record: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(record, key);

/** The reporters' definition: CDNs and proxies by reference to their own definitions, the clients inline. */
function reportersDefinition(): Json {
  const properties = Object.fromEntries(
    Object.entries(REPORTERS).map(([name, schema]) => {
      if (isKey(CDN_EXPECTATION_SCHEMAS, name)) return [name, ref(`cdn-${name}`)];
      if (isKey(PROXY_REPORTERS, name)) return [name, ref('proxy', PROXY_REPORTERS[name])];
      return [name, plain(schema)];
    }),
  );
  return { type: 'object', additionalProperties: false, properties, description: 'What each CDN, proxy and client reports, by reporter.' };
}

/** The proxy definition, its `source` by reference. */
function proxyDefinition(): Json {
  const outcome = { ...plain(ProxyOutcomeSchema), properties: { ...plain(ProxyOutcomeSchema.properties), source: ref('source') } };
  return { description: PROXY_DESCRIPTION, anyOf: [{ type: 'null' }, outcome] };
}

/**
 * schema/scenario.schema.json: the scenario schema of src/scenario-schema.ts with its shared parts as definitions
 * (the manifest schema refers to `expect` and `behaviour`; `badorigin verify` reads the reporters that need a source).
 */
export function scenarioSchemaDocument(): Json {
  const tls = { ...plain(TlsSchema), properties: { ...plain(TlsSchema.properties), expect: ref('reporters') } };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://badorigin.dev/schema/scenario.schema.json',
    title: 'badorigin scenario',
    description:
      'One scenario file in scenarios/: which mechanism in src/listeners/ it uses, with what parameters, and what each CDN, proxy and client should report. The mechanism checks its own params against its own schema.',
    ...plain(ScenarioSchema),
    properties: {
      ...plain(SCENARIO_PROPERTIES),
      connect: ref('connect'),
      expect: ref('expect'),
      tls,
      behaviour: ref('behaviour'),
    },
    definitions: {
      connect: plain(ConnectSchema),
      source: plain(SourceSchema),
      expect: {
        allOf: [ref('reporters'), { required: ['node'] }],
        description: 'expect.node is always required; expect.curl for every transport but dns (checked by the catalogue).',
      },
      reporters: reportersDefinition(),
      proxy: proxyDefinition(),
      ...Object.fromEntries(Object.entries(CDN_EXPECTATION_SCHEMAS).map(([key, schema]) => [`cdn-${key}`, plain(schema)])),
      behaviour: plain(BehaviourSchema),
    },
  };
}
