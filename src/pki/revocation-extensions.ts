import { createRequire } from 'node:module';
import type * as Asn1Schema from '@peculiar/asn1-schema';
import type * as Asn1X509 from '@peculiar/asn1-x509';
import forge from 'node-forge';

/** OID of the TLS Feature extension (RFC 7633 §6, id-pe-tlsfeature). */
export const TLS_FEATURE_OID = '1.3.6.1.5.5.7.1.24';
/** The TLS extension number of status_request (RFC 6066 §8), the one feature RFC 7633 §4.2.3 names for OCSP must-staple. */
const STATUS_REQUEST = 5;

/** An extension as node-forge takes one it has no builder for: the OID and the DER of extnValue as a binary string. */
export interface RawExtension {
  id: string;
  critical?: boolean;
  value: string;
}

const requirePackage = createRequire(import.meta.url);
let asn1: { schema: typeof Asn1Schema; x509: typeof Asn1X509 } | undefined;

/**
 * The ASN.1 classes of X.509, loaded at the first leaf that names a revocation URL: loading them costs more CPU than
 * the rest of a warm start's certificate work, and most leaves name none.
 */
function asn1Classes(): { schema: typeof Asn1Schema; x509: typeof Asn1X509 } {
  asn1 ??= { schema: requirePackage('@peculiar/asn1-schema'), x509: requirePackage('@peculiar/asn1-x509') };
  return asn1;
}

const binary = (der: ArrayBuffer) => Buffer.from(der).toString('binary');

/** authorityInfoAccess (RFC 5280 §4.2.2.1) with one id-ad-ocsp access description naming `url`, non-critical. */
export function ocspAccessExtension(url: string): RawExtension {
  const { schema, x509 } = asn1Classes();
  const location = new x509.GeneralName({ uniformResourceIdentifier: url });
  const value = new x509.AuthorityInfoAccessSyntax([
    new x509.AccessDescription({ accessMethod: x509.id_ad_ocsp, accessLocation: location }),
  ]);
  return { id: x509.id_pe_authorityInfoAccess, value: binary(schema.AsnConvert.serialize(value)) };
}

/** cRLDistributionPoints (RFC 5280 §4.2.1.13) with one distribution point whose fullName is `url`, non-critical. */
export function crlDistributionPointExtension(url: string): RawExtension {
  const { schema, x509 } = asn1Classes();
  const fullName = [new x509.GeneralName({ uniformResourceIdentifier: url })];
  const point = new x509.DistributionPoint({ distributionPoint: new x509.DistributionPointName({ fullName }) });
  return { id: x509.id_ce_cRLDistributionPoints, value: binary(schema.AsnConvert.serialize(new x509.CRLDistributionPoints([point]))) };
}

/**
 * The TLS Feature extension (RFC 7633 §4.1: `Features ::= SEQUENCE OF INTEGER`) listing status_request (5), the
 * "must-staple" form of RFC 7633 §4.2.3; non-critical, as RFC 7633 §4.1 recommends. Encoded with node-forge's ASN.1,
 * since no library here has a class for it.
 */
export function mustStapleExtension(): RawExtension {
  const { asn1 } = forge;
  const integer = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(STATUS_REQUEST));
  return { id: TLS_FEATURE_OID, value: asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [integer])).getBytes() };
}
