import { isIP } from 'node:net';

const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^(${LABEL}\\.)*${LABEL}$`);

/**
 * True for a host name in the preferred syntax of RFC 1123 §2.1 (letters, digits and inner hyphens, labels of 1–63
 * octets, at most 253 octets in all, lower case, no trailing dot) whose last label is not all digits, so that it can
 * never be read as an IPv4 address (`999.1.1.1`). Wildcards (`*.example.com`) and underscores are not host names.
 */
export function isDnsName(name: string): boolean {
  return name.length <= 253 && DNS_NAME.test(name) && !/^[0-9]+$/.test(name.slice(name.lastIndexOf('.') + 1));
}

/**
 * Why `name` cannot be a farm hostname, as a phrase that follows the name (`is neither …`) (it goes into certificates' SAN and the root CA's NameConstraints,
 * RFC 5280 §4.2.1.10), or null when it can: a DNS name as `isDnsName` says, or an IPv4/IPv6 address without a
 * zone index. `name` is expected in lower case.
 */
export function hostnameProblem(name: string): string | null {
  if (isIP(name)) return name.includes('%') ? 'is an IPv6 address with a zone index, which no certificate can name' : null;
  if (isDnsName(name)) return null;
  return 'is neither a DNS name (RFC 1123: letters, digits and inner hyphens in dot-separated labels, no wildcard) nor an IP address';
}
