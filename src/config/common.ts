import { clientAddress, hostPort } from '../address.js';
import { isTlsTransport } from '../transport.js';
import type { Manifest, ManifestListener } from '../manifest.js';

/** Options every generator takes; each generator documents which ones it uses and its own defaults. */
export interface ConfigOptions {
  /** Port the proxy listens on for clients (nginx default 8080, HAProxy 8081, Varnish 8082; not used by the CDN targets). */
  listen?: number;
  /** Address the proxy listens on; default 127.0.0.1. */
  listenHost?: string;
  /** Connect timeout towards each listener, in seconds; default 2. */
  connectTimeoutS?: number;
  /** Read timeout (first byte and between bytes), in seconds; default 3. */
  readTimeoutS?: number;
  /** nginx: error log path (default `stderr`). */
  errorLog?: string;
  /** nginx: add `daemon off; master_process off;` (run in the foreground, as the tests do); default false. */
  foreground?: boolean;
  /** CA bundle for listeners whose manifest says `trust: system` (`--tls-cert`); default Debian's /etc/ssl/certs/ca-certificates.crt. */
  systemCaFile?: string;
  /** PEM text of CA files, by path (the manifest's `connect.caFile`): the Fastly targets embed the CA. The CLI reads them. */
  caPems?: Record<string, string>;
  /** Address the proxy or CDN uses to reach the farm; default the manifest's bind address (loopback for a wildcard), or its hostname for the CDN targets. */
  originAddress?: string;
}

/** Defaults of `ConfigOptions` (seconds). */
export const DEFAULT_TIMEOUTS = { connectTimeoutS: 2, readTimeoutS: 3 } as const;

/** Timeouts with the defaults applied, in whole seconds. */
export function timeouts(options: ConfigOptions): { connect: number; read: number } {
  return {
    connect: options.connectTimeoutS ?? DEFAULT_TIMEOUTS.connectTimeoutS,
    read: options.readTimeoutS ?? DEFAULT_TIMEOUTS.readTimeoutS,
  };
}

/** The three proxies the conformance suite runs. */
export type ProxyName = 'nginx' | 'haproxy' | 'varnish';

/** Whether a proxy reaches a listener with the generated configuration, and if not, why. */
export type Reach = { reachable: true } | { reachable: false; why: string };

/** A listener that answers 200 over TLS (tls-ok), where nginx sends DNS-scenario names; undefined when the manifest has none. */
export function dnsLanding(manifest: Manifest): ManifestListener | undefined {
  return manifest.listeners.find((l) => l.id === 'tls-ok');
}

/**
 * Which listeners a proxy can be pointed at with the configuration the generators write.
 * nginx: tcp/http (plain HTTP), tls/https, and dns (through its `resolver`, when the farm runs `tls-ok` to land on);
 * HAProxy: tcp/http, tls/https; Varnish: tcp/http only (open-source Varnish has no backend TLS).
 */
export function reach(proxy: ProxyName, listener: ManifestListener, manifest: Manifest): Reach {
  const tls = isTls(listener);
  if (listener.transport === 'dns') {
    if (proxy === 'nginx') {
      return dnsLanding(manifest)
        ? { reachable: true }
        : { reachable: false, why: 'the farm runs no tls-ok listener for the resolved name to land on' };
    }
    if (proxy === 'haproxy')
      return {
        reachable: false,
        why: 'HAProxy resolves server names at start-up (libc) or through a `resolvers` section; the generator does not write one yet',
      };
    return {
      reachable: false,
      why: 'Varnish resolves a backend .host once, when the VCL is compiled: a bad name fails the VCL load, not a request',
    };
  }
  if (proxy === 'varnish' && tls) return { reachable: false, why: 'open-source Varnish has no backend TLS' };
  return { reachable: true };
}

/** Listeners a proxy reaches, in manifest order. */
export function reachable(proxy: ProxyName, manifest: Manifest): ManifestListener[] {
  return manifest.listeners.filter((l) => reach(proxy, l, manifest).reachable);
}

/** Address a proxy on this machine uses for the farm (the bind address; loopback for a wildcard bind). */
export function originAddress(manifest: Manifest, options: ConfigOptions): string {
  return options.originAddress ?? clientAddress(manifest.host);
}

export { hostPort };

/** True for a listener reached over TLS. */
export function isTls(listener: ManifestListener): boolean {
  return isTlsTransport(listener.transport);
}

/** The CA file a proxy must trust for a TLS listener: the manifest's `connect.caFile`, or the system bundle. */
export function caFileFor(listener: ManifestListener, options: ConfigOptions): string {
  return listener.connect.caFile ?? options.systemCaFile ?? '/etc/ssl/certs/ca-certificates.crt';
}

/** Name checked against the certificate of a TLS listener (connect.certHostname, else the SNI, else the address). */
export function certNameFor(listener: ManifestListener, manifest: Manifest): string {
  return listener.connect.certHostname ?? listener.connect.sni ?? clientAddress(manifest.host);
}

/**
 * Path prefix under which a proxy or CDN routes to a listener: `/<listener id>/`. One rule for every generator that
 * routes by path (nginx, HAProxy, Varnish, Fastly VCL and Terraform, CloudFront, Cloudflare, Azure Front Door): a
 * request for `/<listener id>/` or anything under it goes to that listener, and the path is forwarded unchanged: the
 * prefix is not stripped (nginx's `proxy_pass` has no URI part, HAProxy and Varnish pass the URL as received, the
 * CDN targets set no origin path or rewrite), so the origin sees the same path as the client asked for and an
 * intermediary's log line names the listener. Where a target also routes by host name (Cloudflare:
 * `<listener id>.<zone>`), the path is forwarded unchanged there too. `kubernetes-service` routes nothing: it only
 * exposes the listener ports to the CDN or proxy in front.
 */
export function routePath(listener: Pick<ManifestListener, 'id'>): string {
  return `/${listener.id}/`;
}

/** A Terraform (HCL) string literal of `text`: JSON quoting, with `${` and `%{` escaped so that nothing in it is interpolated. */
export function hclString(text: string): string {
  return JSON.stringify(text).replaceAll('${', '$${').replaceAll('%{', '%%{');
}

/** The address a CDN on the internet uses for the farm: `options.originAddress`, else the farm hostname. */
export function cdnOriginAddress(manifest: Manifest, options: ConfigOptions): string {
  return options.originAddress ?? manifest.hostname;
}

/** A comment header naming the generator, the farm and its trust anchor. */
export function header(comment: string, target: string, manifest: Manifest): string {
  return [
    `${comment} Generated by \`badorigin config --for ${target}\` from a ${manifest.format} manifest.`,
    `${comment} Farm: ${manifest.host}, hostname ${manifest.hostname}, root CA ${manifest.trust.rootCaFile}.`,
    `${comment} Each listener is routed under /<listener id>/ (path forwarded unchanged) and named after its id.`,
  ].join('\n');
}
