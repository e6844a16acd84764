import type forge from 'node-forge';
import { isIP } from 'node:net';
import { loadForgeAsn1 } from './forge.js';

/** The names a farm root CA may vouch for (RFC 5280 §4.2.1.10 permittedSubtrees). */
export interface PermittedNames {
  /** DNS names; each also permits every name below it (`localhost` permits `a.localhost`). */
  dns: string[];
  /** IPv4 or IPv6 addresses, each permitted as a single host (/32 or /128). */
  ips: string[];
}

/** OID of the X.509 NameConstraints extension. */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

declare module 'node-forge' {
  namespace util {
    /** The network-order bytes of an IPv4 or IPv6 address, null for anything else (missing from @types/node-forge). */
    function bytesFromIP(ip: string): string | null;
  }
}

function ipBytes(ip: string): string {
  const bytes = loadForgeAsn1().util.bytesFromIP(ip);
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
  const { asn1 } = loadForgeAsn1();
  const subtree = (generalName: forge.asn1.Asn1) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [generalName]);
  const subtrees = [
    ...names.dns.map((name) => subtree(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, name))),
    ...names.ips.map((ip) => {
      if (!isIP(ip)) throw new Error(`not an IP address: ${ip}`);
      return subtree(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, ipBytes(ip)));
    }),
  ];
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, subtrees)]);
  return { id: NAME_CONSTRAINTS_OID, critical: true, value: asn1.toDer(value).getBytes() };
}

/** The NameConstraints extension of a certificate as read back from its DER. */
export interface ReadNameConstraints {
  critical: boolean;
  permitted: PermittedNames;
  /** True when the extension has excludedSubtrees, or permitted subtrees other than dNSName and single-host iPAddress. */
  other: boolean;
}

/** An IP address in one canonical spelling (IPv6 compressed and lower case, RFC 5952), so spellings compare equal. */
export function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

function ipFromBytes(bytes: string): string {
  if (bytes.length === 4) return [...bytes].map((c) => c.charCodeAt(0)).join('.');
  const groups = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(((bytes.charCodeAt(i) << 8) | bytes.charCodeAt(i + 1)).toString(16));
  return canonicalIp(groups.join(':'));
}

/**
 * Reads the NameConstraints extension (RFC 5280 §4.2.1.10) of a DER certificate of any key type.
 * @returns the extension, or null when the certificate has none.
 * @throws Error when the DER cannot be parsed.
 */
export function readNameConstraints(certDer: Buffer): ReadNameConstraints | null {
  const { asn1, util } = loadForgeAsn1();
  const cert = asn1.fromDer(util.createBuffer(certDer.toString('binary')));
  const tbs = (cert.value as forge.asn1.Asn1[])[0]!;
  const extensionsField = (tbs.value as forge.asn1.Asn1[]).find(
    (field) => field.tagClass === asn1.Class.CONTEXT_SPECIFIC && field.type === 3,
  );
  if (!extensionsField) return null;
  for (const extension of (extensionsField.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]) {
    const parts = extension.value as forge.asn1.Asn1[];
    if (asn1.derToOid(util.createBuffer(parts[0]!.value as string)) !== NAME_CONSTRAINTS_OID) continue;
    const critical = parts.length === 3 && (parts[1]!.value as string) !== '\x00';
    const body = asn1.fromDer(util.createBuffer(parts[parts.length - 1]!.value as string));
    const result: ReadNameConstraints = { critical, permitted: { dns: [], ips: [] }, other: false };
    for (const field of body.value as forge.asn1.Asn1[]) {
      if (field.type !== 0) {
        result.other = true;
        continue;
      }
      for (const subtree of field.value as forge.asn1.Asn1[]) {
        const [base, ...limits] = subtree.value as forge.asn1.Asn1[];
        const value = base!.value as string;
        if (limits.length > 0) result.other = true;
        else if (base!.type === 2) result.permitted.dns.push(value);
        else if (
          base!.type === 7 &&
          (value.length === 8 || value.length === 32) &&
          value.slice(value.length / 2) === '\xff'.repeat(value.length / 2)
        ) {
          result.permitted.ips.push(ipFromBytes(value.slice(0, value.length / 2)));
        } else result.other = true;
      }
    }
    return result;
  }
  return null;
}
