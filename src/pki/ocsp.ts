import { createHash } from 'node:crypto';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CRLReason, CRLReasons, type Extension } from '@peculiar/asn1-x509';
import { serialBytes, type IssuerIdentity } from './issuer-identity.js';

/** What an OCSP response says of one certificate (RFC 6960 §4.2.1 CertStatus). */
export type OcspCertStatus = { status: 'good' } | { status: 'unknown' } | { status: 'revoked'; revokedAt: Date };

/** The hash algorithms a CertID may use that the farm answers (RFC 6960 §4.1.1 hashAlgorithm; SHA-1 is what clients send). */
const CERT_ID_HASHES: Record<string, string> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256' };
const SHA1 = '1.3.14.3.2.26';

/** One certificate asked about in an OCSP request, with the CertID to echo in the answer. */
export interface OcspQuestion {
  certId: CertID;
  /** The serial number, lower-case hex without leading zero bytes. */
  serialHex: string;
  /** Whether the CertID's issuer name and key hashes are those of `issuer`. */
  issuedBy(issuer: IssuerIdentity): boolean;
}

/** A parsed OCSP request: its questions and the nonce extension to echo (RFC 8954 §2.1), if it had one. */
export interface OcspQuestions {
  questions: OcspQuestion[];
  nonce?: Extension;
}

const hexOf = (bytes: ArrayBuffer) =>
  Buffer.from(bytes)
    .toString('hex')
    .replace(/^(00)+(?=.)/, '');

/** The CertID (RFC 6960 §4.1.1) of a certificate: SHA-1 of its issuer's subject DER and public key bits, and its serial. */
export function certIdFor(serialHex: string, issuer: IssuerIdentity): CertID {
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA1, parameters: null }),
    issuerNameHash: new OctetString(createHash('sha1').update(issuer.subjectDer).digest()),
    issuerKeyHash: new OctetString(issuer.keyId),
    serialNumber: serialBytes(serialHex),
  });
}

/**
 * Parses a DER OCSPRequest (RFC 6960 §4.1.1) with @peculiar/asn1-ocsp.
 * @throws Error when it is not one, or a CertID uses a hash algorithm other than SHA-1 or SHA-256.
 */
export function parseOcspRequest(der: Buffer): OcspQuestions {
  const request = AsnConvert.parse(der, OCSPRequest).tbsRequest;
  const questions = request.requestList.map(({ reqCert }) => {
    const hash = CERT_ID_HASHES[reqCert.hashAlgorithm.algorithm];
    if (!hash) throw new Error(`CertID hash algorithm ${reqCert.hashAlgorithm.algorithm} is not SHA-1 or SHA-256`);
    const digest = (bytes: Buffer) => createHash(hash).update(bytes).digest();
    return {
      certId: reqCert,
      serialHex: hexOf(reqCert.serialNumber),
      issuedBy: (issuer: IssuerIdentity) =>
        digest(issuer.subjectDer).equals(Buffer.from(reqCert.issuerNameHash.buffer)) &&
        digest(issuer.publicKeyBits).equals(Buffer.from(reqCert.issuerKeyHash.buffer)),
    };
  });
  if (questions.length === 0) throw new Error('the request lists no certificate');
  const nonce = request.requestExtensions?.find((extension) => extension.extnID === id_pkix_ocsp_nonce);
  return { questions, ...(nonce ? { nonce } : {}) };
}

/** One answer of a response: the CertID asked about, its status, and the thisUpdate–nextUpdate window. */
export interface OcspAnswer {
  certId: CertID;
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate: Date;
}

function certStatus(status: OcspCertStatus): CertStatus {
  if (status.status === 'good') return new CertStatus({ good: null });
  if (status.status === 'unknown') return new CertStatus({ unknown: null });
  return new CertStatus({
    revoked: new RevokedInfo({ revocationTime: status.revokedAt, revocationReason: new CRLReason(CRLReasons.keyCompromise) }),
  });
}

/**
 * A successful OCSPResponse (RFC 6960 §4.2.1) carrying a BasicOCSPResponse signed by `issuer` itself (a CA signing
 * its own responses needs no delegated responder certificate, RFC 6960 §4.2.2.2), responder ID by key hash.
 * @returns its DER.
 */
export function signedOcspResponse(issuer: IssuerIdentity, answers: OcspAnswer[], producedAt: Date, nonce?: Extension): Buffer {
  const tbsResponseData = new ResponseData({
    responderID: new ResponderID({ byKey: new OctetString(issuer.keyId) }),
    producedAt,
    responses: answers.map(
      (answer) =>
        new SingleResponse({
          certID: answer.certId,
          certStatus: certStatus(answer.status),
          thisUpdate: answer.thisUpdate,
          nextUpdate: answer.nextUpdate,
        }),
    ),
    ...(nonce ? { responseExtensions: [nonce] } : {}),
  });
  const tbs = Buffer.from(AsnConvert.serialize(tbsResponseData));
  const basic = new BasicOCSPResponse({
    tbsResponseData,
    signatureAlgorithm: issuer.signatureAlgorithm,
    signature: new Uint8Array(issuer.sign(tbs)).buffer,
  });
  const responseBytes = new ResponseBytes({ responseType: id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) });
  return Buffer.from(AsnConvert.serialize(new OCSPResponse({ responseStatus: OCSPResponseStatus.successful, responseBytes })));
}

/** An OCSPResponse without a body (RFC 6960 §4.2.1): `malformedRequest` or `unauthorized`. @returns its DER. */
export function ocspError(status: 'malformedRequest' | 'unauthorized'): Buffer {
  return Buffer.from(AsnConvert.serialize(new OCSPResponse({ responseStatus: OCSPResponseStatus[status] })));
}
