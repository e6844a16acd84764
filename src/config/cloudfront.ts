import type { Manifest, ManifestListener } from '../manifest.js';
import { cdnOriginAddress, dnsLanding, isTls, timeouts, type ConfigOptions } from './common.js';

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

/** CloudFront `Origins` (`{ Quantity, Items }`) for a manifest, and the listeners left out with the reason; see `cloudFrontConfig`. */
export function cloudFrontOrigins(manifest: Manifest, options: ConfigOptions = {}): { origins: { Quantity: number; Items: CloudFrontOrigin[] }; skipped: string[] } {
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
  return { origins: { Quantity: items.length, Items: items }, skipped };
}

/**
 * CloudFront `Origins` as the CloudFront API takes it in a DistributionConfig (`{ Quantity, Items }`, JSON): a custom
 * origin per listener with `Id` = the listener id, `DomainName` = `options.originAddress` or the farm hostname (a
 * DNS listener: its query name, on the tls-ok port), `https-only` on the listener's port for TLS listeners and
 * `http-only` for plain ones, `ConnectionAttempts` 1, `ConnectionTimeout` = `options.connectTimeoutS` (1–10 s,
 * default 2), `OriginReadTimeout` = `options.readTimeoutS` (default 3 s). Listeners on a port CloudFront refuses
 * (below 1024 but 80/443) are left out and listed under `_skipped`, which is not part of the API shape: remove it
 * before use. CloudFront trusts only public CAs, so every farm-CA listener ends in 502 (see the manifest). Untested
 * here: its shape is type-checked against @aws-sdk/client-cloudfront's `Origins` (test/config.test.ts). Pure; never throws.
 */
export function cloudFrontConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  const { origins, skipped } = cloudFrontOrigins(manifest, options);
  return `${JSON.stringify({ ...origins, ...(skipped.length ? { _skipped: skipped } : {}) }, null, 2)}\n`;
}
