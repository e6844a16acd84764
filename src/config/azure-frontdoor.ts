import type { Manifest, ManifestListener } from '../manifest.js';
import { cdnOriginAddress, certNameFor, dnsLanding, isTls, routePath, timeouts, type ConfigOptions } from './common.js';
import {
  AFD_API_VERSION,
  ARM_TEMPLATE_SCHEMA,
  type AfdOrigin,
  type AfdOriginGroup,
  type AfdRoute,
  type AfdTemplate,
} from './azure-frontdoor-schema.js';

/**
 * Azure Front Door Standard and Premium limits per profile (azure-frontdoor-timeouts § Azure Front Door Standard and
 * Premium service limits): origin groups, origins and routes each 100 (Standard) or 200 (Premium).
 */
export const AFD_PROFILE_LIMITS = { Standard_AzureFrontDoor: 100, Premium_AzureFrontDoor: 200 } as const;

/** Origin response timeout bounds, seconds ("Maximum origin timeout | 16 - 240 secs", same section). */
export const AFD_ORIGIN_TIMEOUT_S = { min: 16, max: 240 } as const;

type Sku = keyof typeof AFD_PROFILE_LIMITS;

const PROFILE = "parameters('profileName')";
const ENDPOINT = "parameters('endpointName')";
const child = (...segments: string[]) => `[concat(${PROFILE}, '/${segments.join('/')}')]`;
const groupId = (id: string) => `[resourceId('Microsoft.Cdn/profiles/originGroups', ${PROFILE}, '${id}')]`;

/** How Front Door reaches one listener: host name, port and protocol of its origin. */
interface AfdTarget {
  listener: ManifestListener;
  hostName: string;
  port: number;
  tls: boolean;
  /** Host header and, Front Door sending the origin host name as SNI, the name the certificate must carry. */
  hostHeader: string;
}

/** The listeners Front Door can be given, and those left out with the reason. */
function targets(manifest: Manifest, options: ConfigOptions): { targets: AfdTarget[]; skipped: string[] } {
  const host = cdnOriginAddress(manifest, options);
  const landing = dnsLanding(manifest);
  const found: AfdTarget[] = [];
  const skipped: string[] = [];
  for (const l of manifest.listeners) {
    if (l.transport !== 'dns')
      found.push({ listener: l, hostName: host, port: l.port, tls: isTls(l), hostHeader: isTls(l) ? certNameFor(l, manifest) : host });
    else if (landing && l.query)
      found.push({ listener: l, hostName: l.query.name, port: landing.port, tls: true, hostHeader: l.query.name });
    else skipped.push(`${l.id}: the farm runs no tls-ok listener for the name to land on`);
  }
  return { targets: found, skipped };
}

function originGroup(t: AfdTarget): AfdOriginGroup {
  return {
    type: 'Microsoft.Cdn/profiles/originGroups',
    apiVersion: AFD_API_VERSION,
    name: child(t.listener.id),
    dependsOn: [`[resourceId('Microsoft.Cdn/profiles', ${PROFILE})]`],
    properties: {
      loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 },
      sessionAffinityState: 'Disabled',
    },
  };
}

function origin(t: AfdTarget): AfdOrigin {
  return {
    type: 'Microsoft.Cdn/profiles/originGroups/origins',
    apiVersion: AFD_API_VERSION,
    name: child(t.listener.id, t.listener.id),
    dependsOn: [groupId(t.listener.id)],
    properties: {
      hostName: t.hostName,
      httpPort: t.tls ? 80 : t.port,
      httpsPort: t.tls ? t.port : 443,
      originHostHeader: t.hostHeader,
      priority: 1,
      weight: 1000,
      enabledState: 'Enabled',
      enforceCertificateNameCheck: true,
    },
  };
}

function route(t: AfdTarget): AfdRoute {
  const id = t.listener.id;
  return {
    type: 'Microsoft.Cdn/profiles/afdEndpoints/routes',
    apiVersion: AFD_API_VERSION,
    name: `[concat(${PROFILE}, '/', ${ENDPOINT}, '/${id}')]`,
    dependsOn: [
      `[resourceId('Microsoft.Cdn/profiles/afdEndpoints', ${PROFILE}, ${ENDPOINT})]`,
      `[resourceId('Microsoft.Cdn/profiles/originGroups/origins', ${PROFILE}, '${id}', '${id}')]`,
    ],
    properties: {
      originGroup: { id: groupId(id) },
      supportedProtocols: ['Http', 'Https'],
      patternsToMatch: [`${routePath(t.listener)}*`],
      forwardingProtocol: t.tls ? 'HttpsOnly' : 'HttpOnly',
      linkToDefaultDomain: 'Enabled',
      httpsRedirect: 'Disabled',
      enabledState: 'Enabled',
    },
  };
}

function parameter(defaultValue: string, description: string, allowedValues?: string[]): AfdTemplate['parameters']['sku'] {
  return { type: 'string', defaultValue, ...(allowedValues ? { allowedValues } : {}), metadata: { description } };
}

/**
 * The ARM deployment template of `azureFrontDoorConfig` as a value (typed by the schema in azure-frontdoor-schema.ts).
 * Pure; never throws.
 */
export function azureFrontDoorTemplate(manifest: Manifest, options: ConfigOptions = {}): AfdTemplate {
  const { targets: found, skipped } = targets(manifest, options);
  const sku: Sku = found.length > AFD_PROFILE_LIMITS.Standard_AzureFrontDoor ? 'Premium_AzureFrontDoor' : 'Standard_AzureFrontDoor';
  const timeoutS = Math.min(AFD_ORIGIN_TIMEOUT_S.max, Math.max(AFD_ORIGIN_TIMEOUT_S.min, timeouts(options).read));
  return {
    $schema: ARM_TEMPLATE_SCHEMA,
    contentVersion: '1.0.0.0',
    metadata: {
      generator: `badorigin config --for azure-frontdoor, from a ${manifest.format} manifest (farm hostname ${manifest.hostname})`,
      untested: 'UNTESTED against Azure: checked here against a JSON Schema written from the ARM references only, never deployed.',
      deploy: 'az deployment group create --resource-group <group> --template-file <this file> [--parameters endpointName=<name>]',
      routing: `Each listener is reached at https://<endpoint host>/<listener id>/ (the path reaches the farm unchanged): ${found.length} origin groups, origins and routes.`,
      limits: [
        `Per profile: ${AFD_PROFILE_LIMITS.Standard_AzureFrontDoor} origin groups, origins and routes (Standard), ${AFD_PROFILE_LIMITS.Premium_AzureFrontDoor} (Premium); the sku parameter defaults to the smallest tier that fits; beyond ${AFD_PROFILE_LIMITS.Premium_AzureFrontDoor} listeners, split the farm with --only.`,
        'Front Door also applies "composite limit on the number of routes, domains, protocols, and paths" (azure-frontdoor-timeouts § Azure Front Door Standard and Premium service limits).',
        `Origin response timeout ${timeoutS} s: Front Door takes ${AFD_ORIGIN_TIMEOUT_S.min}-${AFD_ORIGIN_TIMEOUT_S.max} s; its connect timeout is not configurable.`,
        'Every origin has the same hostName on a different port; the API describes hostName as "unique across all origins in an endpoint": untested whether Front Door accepts that.',
        'Front Door sends the origin host name as SNI (azure-frontdoor-troubleshoot § My origin is configured as an IP address) and checks the certificate name and chain (azure-frontdoor-troubleshoot § 502 responses from Azure Front Door only for HTTPS); the cited documents do not say which CAs it trusts: expect every farm-CA listener to fail alike unless the farm serves a public certificate (--tls-cert).',
      ],
      notConfigured: skipped,
    },
    parameters: {
      profileName: parameter('badorigin', 'Name of the Front Door profile.'),
      endpointName: parameter('badorigin', 'Name of the endpoint; Front Door gives it a host name under azurefd.net.'),
      sku: parameter(sku, 'Front Door tier.', Object.keys(AFD_PROFILE_LIMITS)),
    },
    resources: [
      {
        type: 'Microsoft.Cdn/profiles',
        apiVersion: AFD_API_VERSION,
        name: `[${PROFILE}]`,
        location: 'global',
        sku: { name: "[parameters('sku')]" },
        properties: { originResponseTimeoutSeconds: timeoutS },
      },
      {
        type: 'Microsoft.Cdn/profiles/afdEndpoints',
        apiVersion: AFD_API_VERSION,
        name: `[concat(${PROFILE}, '/', ${ENDPOINT})]`,
        location: 'global',
        dependsOn: [`[resourceId('Microsoft.Cdn/profiles', ${PROFILE})]`],
        properties: { enabledState: 'Enabled' },
      },
      ...found.map(originGroup),
      ...found.map(origin),
      ...found.map(route),
    ],
  };
}

/**
 * Azure Front Door (Standard/Premium) as an ARM deployment template (JSON, for `az deployment group create
 * --template-file`): a profile (`originResponseTimeoutSeconds` = `options.readTimeoutS` held to Front Door's 16–240 s),
 * an endpoint, and per listener an origin group, an origin on the listener's port (`httpPort` for plain HTTP,
 * `httpsPort` for TLS; host `options.originAddress`, else the farm hostname; a DNS listener's origin is its query
 * name on the tls-ok port) and a route `/<listener id>/*` (forwarding protocol HttpOnly or HttpsOnly, no caching, the
 * path forwarded unchanged). The template's `metadata` says what is untested and Front Door's limits. ARM JSON rather
 * than Bicep: JSON is checked here against a schema written from the public ARM references; Bicep's compiler is a .NET
 * tool with no validator on npm. Untested against Azure. Pure; never throws.
 */
export function azureFrontDoorConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  return `${JSON.stringify(azureFrontDoorTemplate(manifest, options), null, 2)}\n`;
}
