import { Type, type Static } from 'typebox';

/**
 * The part of an Azure Resource Manager (ARM) deployment template that `badorigin config --for azure-frontdoor`
 * writes, as a JSON Schema (TypeBox), with the generator's types derived from it. Written from the public references:
 * the ARM template format (`$schema`, `contentVersion`, `parameters`, `resources` with `dependsOn`), and the
 * Microsoft.Cdn resource types of API version 2024-09-01 (Azure REST API specification `afdx.json`: origins' `httpPort`
 * and `httpsPort` 1–65535, `priority` 1–5, `weight` 1–1000, `hostName` required; routes' `originGroup` required,
 * `forwardingProtocol` HttpOnly/HttpsOnly/MatchRequest, `patternsToMatch` with no `*` "except possibly after the final
 * / at the end of the path"; child resource names 1–50 letters, digits and hyphens, starting and ending with a letter or
 * digit). Limits from azure-frontdoor-timeouts § Azure Front Door Standard and Premium service limits: origin timeout
 * 16–240 s, 25 path patterns per route (Standard). Only the properties the generator sets are described, and no
 * others are allowed, so a typo fails the check.
 */
export const AFD_API_VERSION = '2024-09-01';

/** ARM's deployment template schema URL for a resource-group deployment. */
export const ARM_TEMPLATE_SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

const enabled = Type.Union([Type.Literal('Enabled'), Type.Literal('Disabled')]);
const port = Type.Integer({ minimum: 1, maximum: 65535 });
/** An ARM template expression: a string in square brackets (`[parameters('profileName')]`). */
const expression = Type.String({ pattern: '^\\[.+\\]$' });
const childName = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?';
const profile = "parameters\\('profileName'\\)";
const endpoint = "parameters\\('endpointName'\\)";
/** `[concat(parameters('profileName'), '/<child>[/<child>]')]` (under an endpoint: `…, '/', parameters('endpointName'), '/<child>'`), each child name valid. */
const nameOf = (underEndpoint = false) =>
  Type.String({ pattern: `^\\[concat\\(${profile}, ${underEndpoint ? `'/', ${endpoint}, ` : ''}'(?:/${childName})+'\\)\\]$` });
const dependsOn = Type.Array(expression, { minItems: 1 });
const strict = { additionalProperties: false } as const;

/** `Microsoft.Cdn/profiles`: the Front Door profile (sku from a parameter; origin response timeout in seconds, 16–240). */
export const AfdProfile = Type.Object(
  {
    type: Type.Literal('Microsoft.Cdn/profiles'),
    apiVersion: Type.Literal(AFD_API_VERSION),
    name: expression,
    location: Type.Literal('global'),
    sku: Type.Object({ name: expression }, strict),
    properties: Type.Object({ originResponseTimeoutSeconds: Type.Integer({ minimum: 16, maximum: 240 }) }, strict),
  },
  strict,
);

/** `Microsoft.Cdn/profiles/afdEndpoints`: the endpoint whose default domain (`*.azurefd.net`) the routes serve. */
export const AfdEndpoint = Type.Object(
  {
    type: Type.Literal('Microsoft.Cdn/profiles/afdEndpoints'),
    apiVersion: Type.Literal(AFD_API_VERSION),
    name: Type.String({ pattern: `^\\[concat\\(${profile}, '/', ${endpoint}\\)\\]$` }),
    location: Type.Literal('global'),
    dependsOn,
    properties: Type.Object({ enabledState: enabled }, strict),
  },
  strict,
);

/** `Microsoft.Cdn/profiles/originGroups`: one per listener, without health probes (a group of one origin needs none). */
export const AfdOriginGroup = Type.Object(
  {
    type: Type.Literal('Microsoft.Cdn/profiles/originGroups'),
    apiVersion: Type.Literal(AFD_API_VERSION),
    name: nameOf(),
    dependsOn,
    properties: Type.Object(
      {
        loadBalancingSettings: Type.Object(
          {
            sampleSize: Type.Integer({ minimum: 1 }),
            successfulSamplesRequired: Type.Integer({ minimum: 1 }),
            additionalLatencyInMilliseconds: Type.Integer({ minimum: 0 }),
          },
          strict,
        ),
        sessionAffinityState: enabled,
      },
      strict,
    ),
  },
  strict,
);

/** `Microsoft.Cdn/profiles/originGroups/origins`: the listener, on its port (`httpPort` for plain HTTP, `httpsPort` for TLS). */
export const AfdOrigin = Type.Object(
  {
    type: Type.Literal('Microsoft.Cdn/profiles/originGroups/origins'),
    apiVersion: Type.Literal(AFD_API_VERSION),
    name: nameOf(),
    dependsOn,
    properties: Type.Object(
      {
        hostName: Type.String({ minLength: 1 }),
        httpPort: port,
        httpsPort: port,
        originHostHeader: Type.String({ minLength: 1 }),
        priority: Type.Integer({ minimum: 1, maximum: 5 }),
        weight: Type.Integer({ minimum: 1, maximum: 1000 }),
        enabledState: enabled,
        enforceCertificateNameCheck: Type.Boolean(),
      },
      strict,
    ),
  },
  strict,
);

/** `Microsoft.Cdn/profiles/afdEndpoints/routes`: `/<listener id>/*` to the listener's origin group, nothing cached (no cacheConfiguration). */
export const AfdRoute = Type.Object(
  {
    type: Type.Literal('Microsoft.Cdn/profiles/afdEndpoints/routes'),
    apiVersion: Type.Literal(AFD_API_VERSION),
    name: nameOf(true),
    dependsOn,
    properties: Type.Object(
      {
        originGroup: Type.Object({ id: expression }, strict),
        supportedProtocols: Type.Array(Type.Union([Type.Literal('Http'), Type.Literal('Https')]), { minItems: 1, uniqueItems: true }),
        patternsToMatch: Type.Array(Type.String({ pattern: '^/[^*]*(?:/\\*)?$' }), { minItems: 1, maxItems: 25 }),
        forwardingProtocol: Type.Union([Type.Literal('HttpOnly'), Type.Literal('HttpsOnly'), Type.Literal('MatchRequest')]),
        linkToDefaultDomain: enabled,
        httpsRedirect: enabled,
        enabledState: enabled,
      },
      strict,
    ),
  },
  strict,
);

const parameter = Type.Object(
  {
    type: Type.Literal('string'),
    defaultValue: Type.String({ minLength: 1 }),
    allowedValues: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    metadata: Type.Object({ description: Type.String() }, strict),
  },
  strict,
);

/** The whole template: the three parameters the resources name, free-form `metadata`, the resources above. */
export const AfdTemplate = Type.Object(
  {
    $schema: Type.Literal(ARM_TEMPLATE_SCHEMA),
    contentVersion: Type.String({ pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$' }),
    metadata: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
    parameters: Type.Object({ profileName: parameter, endpointName: parameter, sku: parameter }, strict),
    // ARM's limit on the resources of one template.
    resources: Type.Array(Type.Union([AfdProfile, AfdEndpoint, AfdOriginGroup, AfdOrigin, AfdRoute]), { maxItems: 800 }),
  },
  strict,
);

export type AfdProfile = Static<typeof AfdProfile>;
export type AfdEndpoint = Static<typeof AfdEndpoint>;
export type AfdOriginGroup = Static<typeof AfdOriginGroup>;
export type AfdOrigin = Static<typeof AfdOrigin>;
export type AfdRoute = Static<typeof AfdRoute>;
export type AfdTemplate = Static<typeof AfdTemplate>;
