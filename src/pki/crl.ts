import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  CertificateList,
  CRLNumber,
  Extension,
  KeyIdentifier,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
} from '@peculiar/asn1-x509';
import { serialBytes, type IssuerIdentity } from './issuer-identity.js';

/** One revoked certificate on a CRL: its serial (hex) and when it was revoked. */
export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
}

const extension = (extnID: string, value: object) => new Extension({ extnID, extnValue: new OctetString(AsnConvert.serialize(value)) });

/**
 * A v2 CRL (RFC 5280 §5.1) signed by `issuer`, listing `revoked`, valid from `thisUpdate` to `nextUpdate`, with the
 * extensions RFC 5280 §5.2 requires of a conforming CA: authorityKeyIdentifier and cRLNumber (`number`).
 * @returns its DER.
 */
export function signedCrl(issuer: IssuerIdentity, revoked: RevokedEntry[], thisUpdate: Date, nextUpdate: Date, number: number): Buffer {
  const tbsCertList = new TBSCertList({
    version: Version.v2,
    signature: issuer.signatureAlgorithm,
    issuer: issuer.subject,
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(nextUpdate),
    ...(revoked.length > 0
      ? {
          revokedCertificates: revoked.map(
            (entry) => new RevokedCertificate({ userCertificate: serialBytes(entry.serialHex), revocationDate: new Time(entry.revokedAt) }),
          ),
        }
      : {}),
    crlExtensions: [
      extension(id_ce_authorityKeyIdentifier, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuer.keyId) })),
      extension(id_ce_cRLNumber, new CRLNumber(number)),
    ],
  });
  const signature = issuer.sign(Buffer.from(AsnConvert.serialize(tbsCertList)));
  const crl = new CertificateList({
    tbsCertList,
    signatureAlgorithm: issuer.signatureAlgorithm,
    signature: new Uint8Array(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(crl));
}
