import { createRequire } from 'node:module';
import type DnsPacket from 'dns-packet';

let loaded: typeof DnsPacket | undefined;

/** dns-packet (RFC 1035 wire format), loaded by the first DNS query: a farm start, or a command that answers none, does without it. */
export function dnsPacket(): typeof DnsPacket {
  loaded ??= createRequire(import.meta.url)('dns-packet') as typeof DnsPacket;
  return loaded;
}
