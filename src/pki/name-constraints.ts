import forge from 'node-forge';
import { isIP } from 'node:net';

const { asn1 } = forge;

/** The names a farm root CA may vouch for (RFC 5280 §4.2.1.10 permittedSubtrees). */
export interface PermittedNames {
  /** DNS names; each also permits every name below it (`localhost` permits `a.localhost`). */
  dns: string[];
  /** IPv4 or IPv6 addresses, each permitted as a single host (/32 or /128). */
  ips: string[];
}

/** OID of the X.509 NameConstraints extension. */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

function ipBytes(ip: string): string {
  // forge's bytesFromIP (missing from @types/node-forge) gives the network-order bytes of an IPv4 or IPv6 address.
  const util = forge.util as unknown as { bytesFromIP(ip: string): string | null };
  const bytes = util.bytesFromIP(ip);
  if (!bytes) throw new Error(`not an IP address: ${ip}`);
  return bytes + String.fromCharCode(0xff).repeat(bytes.length);
}

/**
 * Builds a critical NameConstraints extension for node-forge whose permittedSubtrees are exactly `names`
 * (dNSName [2] and iPAddress [7] address+mask), so that a root CA carrying it cannot vouch for any other name.
 * forge has no builder for this extension: it is encoded here as raw DER (RFC 5280 §4.2.1.10).
 * @throws Error when an entry of `names.ips` is not an IP address.
 */
export function nameConstraintsExtension(names: PermittedNames): { id: string; critical: true; value: string } {
  const subtree = (generalName: forge.asn1.Asn1) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [generalName]);
  const subtrees = [
    ...names.dns.map((name) => subtree(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, name))),
    ...names.ips.map((ip) => {
      if (!isIP(ip)) throw new Error(`not an IP address: ${ip}`);
      return subtree(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, ipBytes(ip)));
    }),
  ];
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, subtrees),
  ]);
  return { id: NAME_CONSTRAINTS_OID, critical: true, value: asn1.toDer(value).getBytes() };
}
