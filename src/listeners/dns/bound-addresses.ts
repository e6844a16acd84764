import { isIP } from 'node:net';
import { isWildcard } from '../../address.js';

/** The addresses a name of the zone resolves to: A records (`ipv4`) and AAAA records (`ipv6`). */
export interface ServedAddresses {
  ipv4: string[];
  ipv6: string[];
}

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * The addresses on which a socket bound to `bound` (what `server.address().address` reports) accepts connections,
 * as a client reaches them: `0.0.0.0` (every IPv4 address) is 127.0.0.1 and the IPv4 addresses among `public`;
 * `::` is dual-stack on Linux (Node binds it with IPV6_V6ONLY off) and is 127.0.0.1 and ::1 and every address among
 * `public`; a specific address is itself (an IPv4-mapped one as IPv4). A resolver must get no address the farm does
 * not accept on: a dual-stack client that prefers IPv6 connects to an AAAA record first (RFC 8305 §4) and fails where
 * nothing listens.
 * @param bound an IPv4 or IPv6 address, or empty (Node's dual-stack wildcard, as `::`); anything else yields no address.
 * @param publicIps the farm's `--hostname` values that are IP addresses: the addresses a CDN is told to reach the farm
 *   at, which a wildcard bind accepts on (the machine's own, or a NAT's in front of it).
 */
export function servedAddresses(bound: string, publicIps: readonly string[] = []): ServedAddresses {
  const v4 = publicIps.filter((ip) => isIP(ip) === 4);
  const v6 = publicIps.filter((ip) => isIP(ip) === 6);
  const unique = (list: string[]) => [...new Set(list)];
  // The IPv4 wildcard accepts on IPv4 only; the IPv6 one (and the empty one) on both.
  if (isWildcard(bound)) return { ipv4: unique(['127.0.0.1', ...v4]), ipv6: isIP(bound) === 4 ? [] : unique(['::1', ...v6]) };
  const mapped = IPV4_MAPPED.exec(bound)?.[1];
  if (mapped) return { ipv4: [mapped], ipv6: [] };
  const family = isIP(bound);
  return { ipv4: family === 4 ? [bound] : [], ipv6: family === 6 ? [bound] : [] };
}
