import { isIP } from 'node:net';

/** Whether `host` is a wildcard bind address (`0.0.0.0`, `::`, or empty, which Node binds as a wildcard). */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/**
 * The address a client on this machine connects to for a listener bound to `host`: the loopback address of the
 * wildcard's family (`0.0.0.0` and `''` → `127.0.0.1`, `::` → `::1`), else `host` itself.
 */
export function clientAddress(host: string): string {
  if (host === '::') return '::1';
  return isWildcard(host) ? '127.0.0.1' : host;
}

/** `host` as a URL's host (RFC 3986 §3.2.2): an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** `host:port`, bracketing an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return `${urlHost(host)}:${port}`;
}
