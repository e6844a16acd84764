import { Type, type Static, type TObject, type TProperties } from 'typebox';

/**
 * The CDN columns of the manifest, in the order the tables show them: the key under `expect` and the name a reader
 * knows. Google Cloud CDN is absent until one of its documents is at hand.
 */
export const CDN_COLUMNS = [
  { key: 'fastly', name: 'Fastly' },
  { key: 'cloudfront', name: 'CloudFront' },
  { key: 'cloudflare', name: 'Cloudflare' },
  { key: 'akamai', name: 'Akamai' },
  { key: 'azureFrontDoor', name: 'Azure Front Door' },
  { key: 'bunny', name: 'bunny.net' },
] as const;

/** A key under `expect` naming a CDN. */
export type CdnKey = (typeof CDN_COLUMNS)[number]['key'];

const common = {
  status: Type.Optional(Type.Integer({ minimum: 0, description: 'HTTP status the CDN answers its client with.' })),
  source: Type.String({
    minLength: 1,
    description: "'<document> § <section>' (several joined by '; ', each may start with 'status: ' or another field name) or 'observed'.",
  }),
  note: Type.Optional(Type.String({ description: 'Under which setting the outcome holds, and what is inferred rather than quoted.' })),
};

const outcome = <P extends TProperties>(properties: P, description: string) =>
  Type.Object({ ...common, ...properties }, { additionalProperties: false, description });

/** What Fastly reports: `obj.response` in `vcl_error` (fastly-generated-errors § Errors in VCL). */
export const FastlyOutcome = outcome(
  { response: Type.Optional(Type.String({ description: 'obj.response as the Fastly docs print it.' })) },
  'What Fastly reports.',
);
/** What CloudFront reports: the X-Cache header and the access log's `x-edge-detailed-result-type`. */
export const CloudfrontOutcome = outcome(
  {
    xCache: Type.Optional(Type.String({ description: 'The X-Cache response header.' })),
    detailedResultType: Type.Optional(Type.String({ description: 'x-edge-detailed-result-type of the standard (access) log.' })),
  },
  'What CloudFront reports.',
);
/** What Cloudflare shows: the error page's heading (`Error 526: invalid SSL certificate`). */
export const CloudflareOutcome = outcome(
  { error: Type.Optional(Type.String({ description: 'Heading of the error Cloudflare shows, as its documents title it.' })) },
  'What Cloudflare reports.',
);
/** What Akamai's edge answers (status only: its documents name no error text). */
export const AkamaiOutcome = outcome({}, 'What Akamai reports.');
/** What Azure Front Door reports: the access log's `ErrorInfo`. */
export const AzureFrontDoorOutcome = outcome(
  { errorInfo: Type.Optional(Type.String({ description: 'ErrorInfo of the access log.' })) },
  'What Azure Front Door reports.',
);
/** What bunny.net reports: the origin error code of Origin Errors monitoring. */
export const BunnyOutcome = outcome(
  { errorCode: Type.Optional(Type.String({ description: 'Error code of Origin Errors monitoring (dashboard and API).' })) },
  'What bunny.net reports.',
);

/**
 * One outcome per value of a setting (a CDN's, or the farm's own `--tls-cert`), with the value that holds by default
 * marked: `{ setting: 'ssl-mode', default: 'strict', outcomes: { strict: {...}, full: {...} } }`. The catalogue checks
 * that `setting`, `default` and the keys of `outcomes` are those of the CDN's register entry (src/cdn/settings.ts).
 */
const bySetting = <T extends TObject>(single: T) =>
  Type.Object(
    {
      setting: Type.String({ minLength: 1, description: 'Name of the setting the outcome depends on.' }),
      default: Type.String({
        minLength: 1,
        description:
          "The value in effect unless the user changes it; a key of outcomes. In a manifest, tls-cert's default is the certificate the listener serves.",
      }),
      outcomes: Type.Record(Type.String(), single, {
        minProperties: 1,
        description:
          'The outcome under each value. A scenario gives at least two (the catalogue checks); a manifest may hold the default alone where the documents say nothing for the other values.',
      }),
    },
    { additionalProperties: false, description: 'One outcome per value of a setting; default marks the one in effect unless changed.' },
  );

const either = <T extends TObject>(single: T) => Type.Union([single, bySetting(single)]);

/** The schema of `expect.<cdn>` for each CDN key; copied into schema/scenario.schema.json (a test checks they agree). */
export const CDN_EXPECTATION_SCHEMAS = {
  fastly: either(FastlyOutcome),
  cloudfront: either(CloudfrontOutcome),
  cloudflare: either(CloudflareOutcome),
  akamai: either(AkamaiOutcome),
  azureFrontDoor: either(AzureFrontDoorOutcome),
  bunny: either(BunnyOutcome),
} as const;

/** Every CDN's outcome fields: status, the texts it shows or logs, source and note. */
export type CdnOutcome =
  | Static<typeof FastlyOutcome>
  | Static<typeof CloudfrontOutcome>
  | Static<typeof CloudflareOutcome>
  | Static<typeof AkamaiOutcome>
  | Static<typeof AzureFrontDoorOutcome>
  | Static<typeof BunnyOutcome>;

/** One outcome, or one per setting value. */
export type Settled<O> = O | { setting: string; default: string; outcomes: Record<string, O> };

/** `expect.<cdn>` of every CDN, as schema/scenario.schema.json takes them. */
export interface CdnExpectations {
  fastly?: Static<(typeof CDN_EXPECTATION_SCHEMAS)['fastly']>;
  cloudfront?: Static<(typeof CDN_EXPECTATION_SCHEMAS)['cloudfront']>;
  cloudflare?: Static<(typeof CDN_EXPECTATION_SCHEMAS)['cloudflare']>;
  akamai?: Static<(typeof CDN_EXPECTATION_SCHEMAS)['akamai']>;
  azureFrontDoor?: Static<(typeof CDN_EXPECTATION_SCHEMAS)['azureFrontDoor']>;
  bunny?: Static<(typeof CDN_EXPECTATION_SCHEMAS)['bunny']>;
}

/** True when the expectation holds one outcome per setting value. */
export function isBySetting<O extends object>(
  expectation: Settled<O>,
): expectation is { setting: string; default: string; outcomes: Record<string, O> } {
  return 'outcomes' in expectation;
}

/**
 * The outcome a CDN should report under setting value `value` (the expectation's default when omitted or unknown to
 * it); a single outcome is returned whatever the value. Undefined when the CDN's documents say nothing.
 * Example: `cdnOutcome(listener.expect.cloudflare, 'full')`, or for CloudFront `cdnOutcome(listener.expect.cloudfront,
 * listener.certificate)` (the `tls-cert` setting's values are the manifest's `certificate`).
 */
export function cdnOutcome<O extends object>(expectation: Settled<O> | undefined, value?: string): O | undefined {
  if (!expectation) return undefined;
  if (!isBySetting(expectation)) return expectation;
  return (value === undefined ? undefined : expectation.outcomes[value]) ?? expectation.outcomes[expectation.default];
}

/** Every outcome of an expectation with the setting value it holds under (null for a single outcome), default first. */
export function outcomesOf<O extends object>(
  expectation: Settled<O> | undefined,
): { value: string | null; isDefault: boolean; outcome: O }[] {
  if (!expectation) return [];
  if (!isBySetting(expectation)) return [{ value: null, isDefault: true, outcome: expectation }];
  const values = [expectation.default, ...Object.keys(expectation.outcomes).filter((v) => v !== expectation.default)];
  return values.map((value) => ({ value, isDefault: value === expectation.default, outcome: expectation.outcomes[value]! }));
}
