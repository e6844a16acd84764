import type { Manifest, ManifestListener } from '../manifest.js';
import { cdnOriginAddress, dnsLanding, isTls, routePath, timeouts, type ConfigOptions } from './common.js';

/** One origin of CloudFront's `DistributionConfig.Origins.Items` (the API shape; see @aws-sdk/client-cloudfront `Origin`). */
export interface CloudFrontOrigin {
  Id: string;
  DomainName: string;
  OriginPath: string;
  CustomHeaders: { Quantity: number; Items: { HeaderName: string; HeaderValue: string }[] };
  CustomOriginConfig: {
    HTTPPort: number;
    HTTPSPort: number;
    OriginProtocolPolicy: 'http-only' | 'https-only';
    OriginSslProtocols: { Quantity: number; Items: 'TLSv1.2'[] };
    OriginReadTimeout: number;
    OriginKeepaliveTimeout: number;
  };
  ConnectionAttempts: number;
  ConnectionTimeout: number;
}

/** One of CloudFront's `DistributionConfig.CacheBehaviors.Items` (the API shape; see @aws-sdk/client-cloudfront `CacheBehavior`). */
export interface CloudFrontCacheBehavior {
  PathPattern: string;
  TargetOriginId: string;
  ViewerProtocolPolicy: 'allow-all';
  AllowedMethods: {
    Quantity: number;
    Items: ('GET' | 'HEAD' | 'OPTIONS' | 'PUT' | 'PATCH' | 'POST' | 'DELETE')[];
    CachedMethods: { Quantity: number; Items: ('GET' | 'HEAD')[] };
  };
  CachePolicyId: string;
  Compress: boolean;
}

/** The managed cache policy CachingDisabled (AWS CloudFront Developer Guide, "Use managed cache policies"). */
export const CLOUDFRONT_CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

const ALL_METHODS: CloudFrontCacheBehavior['AllowedMethods']['Items'] = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

/** A cache behavior sending `/<listener id>/*` to the origin of that id, every method allowed (the request-body scenarios POST), nothing cached. */
function behavior(id: string): CloudFrontCacheBehavior {
  return {
    PathPattern: `${routePath({ id })}*`,
    TargetOriginId: id,
    ViewerProtocolPolicy: 'allow-all',
    AllowedMethods: { Quantity: ALL_METHODS.length, Items: ALL_METHODS, CachedMethods: { Quantity: 2, Items: ['GET', 'HEAD'] } },
    CachePolicyId: CLOUDFRONT_CACHING_DISABLED,
    Compress: false,
  };
}

/** CloudFront's limits on a custom origin's ports: 80, 443, or 1024–65535 (README § Pointing a real CDN at it). */
export function cloudFrontPortAllowed(port: number): boolean {
  return port === 80 || port === 443 || (port >= 1024 && port <= 65535);
}

function origin(id: string, domainName: string, port: number, tls: boolean, options: ConfigOptions): CloudFrontOrigin {
  const { connect, read } = timeouts(options);
  return {
    Id: id,
    DomainName: domainName,
    OriginPath: '',
    CustomHeaders: { Quantity: 0, Items: [] },
    CustomOriginConfig: {
      HTTPPort: tls ? 80 : port,
      HTTPSPort: tls ? port : 443,
      OriginProtocolPolicy: tls ? 'https-only' : 'http-only',
      OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
      OriginReadTimeout: Math.max(1, read),
      OriginKeepaliveTimeout: 5,
    },
    ConnectionAttempts: 1,
    ConnectionTimeout: Math.min(10, Math.max(1, connect)),
  };
}

/** CloudFront `Origins` and `CacheBehaviors` (each `{ Quantity, Items }`) for a manifest, and the listeners left out with the reason; see `cloudFrontConfig`. */
export function cloudFrontOrigins(
  manifest: Manifest,
  options: ConfigOptions = {},
): {
  origins: { Quantity: number; Items: CloudFrontOrigin[] };
  behaviors: { Quantity: number; Items: CloudFrontCacheBehavior[] };
  skipped: string[];
} {
  const host = cdnOriginAddress(manifest, options);
  const landing = dnsLanding(manifest);
  const items: CloudFrontOrigin[] = [];
  const skipped: string[] = [];
  const add = (l: ManifestListener, domainName: string, port: number, tls: boolean) => {
    if (cloudFrontPortAllowed(port)) items.push(origin(l.id, domainName, port, tls, options));
    else skipped.push(`${l.id}: port ${port} is not one CloudFront accepts (80, 443, 1024-65535)`);
  };
  for (const l of manifest.listeners) {
    if (l.transport === 'dns') {
      if (landing && l.query) add(l, l.query.name, landing.port, true);
      else skipped.push(`${l.id}: the farm runs no tls-ok listener for the name to land on`);
    } else add(l, host, l.port, isTls(l));
  }
  const behaviors = items.map((o) => behavior(o.Id));
  return { origins: { Quantity: items.length, Items: items }, behaviors: { Quantity: behaviors.length, Items: behaviors }, skipped };
}

/**
 * The `Origins` and `CacheBehaviors` of a CloudFront DistributionConfig (`{ "Origins": { Quantity, Items },
 * "CacheBehaviors": { Quantity, Items } }`, JSON, the API's names and shapes): a custom origin per listener with
 * `Id` = the listener id, `DomainName` = `options.originAddress` or the farm hostname (a DNS listener: its query name,
 * on the tls-ok port), `https-only` on the listener's port for TLS listeners and `http-only` for plain ones,
 * `ConnectionAttempts` 1, `ConnectionTimeout` = `options.connectTimeoutS` (1–10 s, default 2), `OriginReadTimeout` =
 * `options.readTimeoutS` (default 3 s); a cache behavior per origin routes the path pattern `/<listener id>/*` to it
 * with every method allowed and the managed CachingDisabled policy (the default cache behavior, which CloudFront
 * requires, is the user's: point it at any origin). A whole farm exceeds CloudFront's default quota of 75 cache
 * behaviors per distribution (adjustable): use `--only`, or ask AWS for more. Listeners on a port CloudFront refuses
 * (below 1024 but 80/443) are left out and listed under `_skipped`, which is not part of the API shape: remove it
 * before use. CloudFront trusts only public CAs, so every farm-CA listener ends in 502 (see the manifest). Untested
 * here: its shape is type-checked against @aws-sdk/client-cloudfront's `Origins` and `CacheBehaviors`
 * (test/config.test.ts). Pure; never throws.
 */
export function cloudFrontConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  const { origins, behaviors, skipped } = cloudFrontOrigins(manifest, options);
  return `${JSON.stringify({ Origins: origins, CacheBehaviors: behaviors, ...(skipped.length ? { _skipped: skipped } : {}) }, null, 2)}\n`;
}
