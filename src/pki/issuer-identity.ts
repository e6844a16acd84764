import { createHash, createPrivateKey, sign, type X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, type Name } from '@peculiar/asn1-x509';

/** sha256WithRSAEncryption (RFC 4055 §5), with the NULL parameters RFC 4055 requires. */
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
/** ecdsa-with-SHA256 (RFC 5758 §3.2), without parameters. */
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/** What a CA signs OCSP responses and CRLs as: its subject, public key bits and private key. */
export interface IssuerIdentity {
  /** The CA certificate's subject (the CRL's issuer; hashed into an OCSP CertID). */
  subject: Name;
  /** DER of the subject. */
  subjectDer: Buffer;
  /** The subjectPublicKey BIT STRING's contents (hashed into an OCSP CertID and the key identifiers). */
  publicKeyBits: Buffer;
  /** SHA-1 of `publicKeyBits`: RFC 5280 §4.2.1.2 method (1), the responder's byKey ID (RFC 6960 §4.2.1). */
  keyId: Buffer;
  /** The signature algorithm that `sign` uses, for the signed structure's AlgorithmIdentifier. */
  signatureAlgorithm: AlgorithmIdentifier;
  /** Signs DER with SHA-256 and the CA's key (RSA PKCS #1 v1.5, or ECDSA as DER). */
  sign(tbs: Buffer): Buffer;
}

/**
 * The identity of a CA for signing revocation data, read from its certificate with @peculiar/asn1-x509.
 * @throws Error when the certificate cannot be parsed or the key is neither RSA nor EC.
 */
export function issuerIdentity(cert: X509Certificate, privateKeyPem: string): IssuerIdentity {
  const parsed = AsnConvert.parse(cert.raw, Certificate).tbsCertificate;
  const publicKeyBits = Buffer.from(parsed.subjectPublicKeyInfo.subjectPublicKey);
  const key = createPrivateKey(privateKeyPem);
  const rsa = key.asymmetricKeyType === 'rsa';
  if (!rsa && key.asymmetricKeyType !== 'ec') throw new Error(`cannot sign revocation data with a ${key.asymmetricKeyType} key`);
  return {
    subject: parsed.subject,
    subjectDer: Buffer.from(AsnConvert.serialize(parsed.subject)),
    publicKeyBits,
    keyId: createHash('sha1').update(publicKeyBits).digest(),
    signatureAlgorithm: new AlgorithmIdentifier(rsa ? { algorithm: SHA256_WITH_RSA, parameters: null } : { algorithm: ECDSA_WITH_SHA256 }),
    sign: (tbs) => sign('sha256', tbs, key),
  };
}

/** The bytes of a DER INTEGER serial number (big-endian, no sign padding needed for the farm's positive serials). */
export function serialBytes(serialHex: string): ArrayBuffer {
  const bytes = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  return new Uint8Array(bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes).buffer;
}
