import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './json-error.js';

/** Names every control API answers to, whatever it is bound to. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `host` as it appears in a Host header's name part: lower case, IPv6 literals in brackets. */
function hostName(host: string): string {
  const name = host.toLowerCase();
  return isIP(name) === 6 ? `[${name}]` : name;
}

/** The name part of a Host header value (`name`, `name:port`, `[v6]:port`), lower case, without a trailing dot. */
function nameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  const name = value.startsWith('[') ? value.slice(0, value.indexOf(']') + 1) : value.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** True for an IPv4 literal or a bracketed IPv6 literal. */
function isIpLiteral(name: string): boolean {
  return isIP(name) === 4 || (name.startsWith('[') && name.endsWith(']') && isIP(name.slice(1, -1)) === 6);
}

/**
 * Express middleware against DNS rebinding: a request whose Host names neither a loopback name, the control API's
 * bind address, one of `hostnames` (the farm's --hostname), nor an IP literal gets 421 Misdirected Request with a
 * JSON error (RFC 9110 §15.5.20: this server is not authoritative for that name). Any port is accepted, since port
 * forwarding changes it and rebinding only ever changes the name; IP literals are accepted because a page can only
 * send one as Host when it was itself loaded from that address. A request without Host (HTTP/1.0) passes.
 */
export function requireServedHost(bindHost: string, hostnames: readonly string[]) {
  const allowed = new Set([...LOOPBACK_NAMES, hostName(bindHost), ...hostnames.map(hostName)]);
  return (request: Request, response: Response, next: NextFunction) => {
    const header = request.headers.host;
    if (header === undefined) return next();
    const name = nameOf(header);
    if (allowed.has(name) || isIpLiteral(name)) return next();
    sendError(
      response,
      421,
      `this control API does not serve the host ${JSON.stringify(name.slice(0, 255))}: use localhost, an IP address or a farm --hostname`,
    );
  };
}

/**
 * Express middleware against cross-site request forgery: a request other than GET and HEAD is refused (403, JSON
 * error) when its `Sec-Fetch-Site` (W3C Fetch Metadata) is `cross-site` or `same-site`, or when it carries an
 * `Origin` (RFC 6454 §7) other than this server's own (`http://` or `https://` plus the request's Host). Clients
 * that send neither header, as curl does, are not browsers acting for another page and pass.
 */
export function refuseCrossOriginWrites() {
  return (request: Request, response: Response, next: NextFunction) => {
    if (request.method === 'GET' || request.method === 'HEAD') return next();
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    const host = request.headers.host?.toLowerCase();
    const sameOrigin = origin === undefined || (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`));
    if (site !== 'cross-site' && site !== 'same-site' && sameOrigin) return next();
    sendError(
      response,
      403,
      `cross-origin ${request.method} refused (Origin ${origin === undefined ? 'absent' : JSON.stringify(origin.slice(0, 200))}, Sec-Fetch-Site ${site ?? 'absent'}): the control API only takes writes from its own pages or from non-browser clients`,
    );
  };
}
