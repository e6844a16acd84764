import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AccessDescription,
  AuthorityInfoAccessSyntax,
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  GeneralName,
  id_ad_ocsp,
  id_ce_cRLDistributionPoints,
  id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
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

const binary = (der: ArrayBuffer) => Buffer.from(der).toString('binary');
const uri = (url: string) => new GeneralName({ uniformResourceIdentifier: url });

/** authorityInfoAccess (RFC 5280 §4.2.2.1) with one id-ad-ocsp access description naming `url`, non-critical. */
export function ocspAccessExtension(url: string): RawExtension {
  const value = new AuthorityInfoAccessSyntax([new AccessDescription({ accessMethod: id_ad_ocsp, accessLocation: uri(url) })]);
  return { id: id_pe_authorityInfoAccess, value: binary(AsnConvert.serialize(value)) };
}

/** cRLDistributionPoints (RFC 5280 §4.2.1.13) with one distribution point whose fullName is `url`, non-critical. */
export function crlDistributionPointExtension(url: string): RawExtension {
  const point = new DistributionPoint({ distributionPoint: new DistributionPointName({ fullName: [uri(url)] }) });
  return { id: id_ce_cRLDistributionPoints, value: binary(AsnConvert.serialize(new CRLDistributionPoints([point]))) };
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
