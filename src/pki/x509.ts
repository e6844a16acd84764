import forge from 'node-forge';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { nameConstraintsExtension, type PermittedNames } from './name-constraints.js';
import type { LeafExtensions } from './leaf-extensions.js';
import { leafExtensions } from './leaf-extension-objects.js';
import { crlDistributionPointExtension, ocspAccessExtension } from './revocation-extensions.js';
import { signWithAnyKey, spkiKeyIdentifier } from './any-key.js';
import type { Digest } from './digests.js';

/** What to put in a certificate. Times are absolute; names are literal (placeholders resolved by the caller). */
export interface CertificateRequest {
  /** Subject common name. */
  commonName: string;
  /** Subject organisation (O), e.g. `badorigin`. */
  organization: string;
  /** Subject public key, SPKI PEM. */
  publicKeyPem: string;
  /** Validity window. */
  notBefore: Date;
  notAfter: Date;
  /** DNS names and IP addresses for the subjectAltName extension; empty or absent = no SAN extension at all. */
  subjectAltNames?: string[];
  /** Makes this a CA certificate (basicConstraints cA, keyCertSign); pathLen limits the CAs below it. */
  ca?: { pathLen?: number; permitted?: PermittedNames };
  /** A leaf's extensions where they differ from an ordinary server leaf's (ignored for a CA). */
  leafExtensions?: LeafExtensions;
  /** Where a leaf's revocation status is published: authorityInfoAccess OCSP URL, cRLDistributionPoints URL. */
  revocationUrls?: { ocspUrl?: string; crlUrl?: string };
  digest: Digest;
}

/** The signer: the issuing CA's certificate PEM and private key, or `self` for a self-signed certificate. */
export type Signer = { certPem: string; privateKeyPem: string } | { self: true; privateKeyPem: string };

const { asn1 } = forge;

/**
 * A random positive serial number as even-length hex without a leading 00 byte (Node rejects other forms).
 * 16 bytes, the first in 0x01..0x7f (RFC 5280 §4.1.2.2: positive, at most 20 octets).
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function keyIdentifier(publicKeyPem: string): string {
  if (createPublicKey(publicKeyPem).asymmetricKeyType !== 'rsa') return spkiKeyIdentifier(publicKeyPem);
  const key = forge.pki.publicKeyFromPem(publicKeyPem);
  return forge.pki.getPublicKeyFingerprint(key, { type: 'RSAPublicKey' }).getBytes();
}

/** A stand-in RSA key for forge's certificate object when the real subject key is not RSA (replaced before signing). */
const PLACEHOLDER_KEY = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger('3'), new forge.jsbn.BigInteger('65537'));

/**
 * Issues an X.509 v3 certificate with node-forge and returns it as PEM.
 * Leaves get serverAuth and digitalSignature+keyEncipherment unless `leafExtensions` says otherwise; CAs get critical basicConstraints and
 * keyCertSign+cRLSign, and a critical NameConstraints extension when `ca.permitted` is given.
 * forge builds the TBSCertificate (with an RSA placeholder key when the subject key is not RSA); src/pki/any-key.ts
 * puts in the real key and signs it with node:crypto, which takes a few ms where forge's pure-JS RSA took hundreds
 * under load (a leaf with `expiresInS` is signed at every start).
 * @throws Error when a key PEM cannot be read.
 */
export function issueCertificate(request: CertificateRequest, signer: Signer): string {
  const rsaOnly =
    createPublicKey(request.publicKeyPem).asymmetricKeyType === 'rsa' && createPrivateKey(signer.privateKeyPem).asymmetricKeyType === 'rsa';
  const cert = forge.pki.createCertificate();
  cert.publicKey = rsaOnly ? forge.pki.publicKeyFromPem(request.publicKeyPem) : PLACEHOLDER_KEY;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  const subject = [
    { name: 'organizationName', value: request.organization },
    { name: 'commonName', value: request.commonName },
  ];
  cert.setSubject(subject);

  let issuerKeyId: string;
  if ('self' in signer) {
    cert.setIssuer(subject);
    issuerKeyId = keyIdentifier(request.publicKeyPem);
  } else {
    const issuer = forge.pki.certificateFromPem(signer.certPem);
    cert.setIssuer(issuer.subject.attributes);
    issuerKeyId = keyIdentifier(forge.pki.publicKeyToPem(issuer.publicKey));
  }

  const subjectKeyId = asn1
    .toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, keyIdentifier(request.publicKeyPem)))
    .getBytes();
  const extensions: object[] = [
    // forge derives it from cert.publicKey (SHA-1 of RSAPublicKey), which is a placeholder for other keys.
    rsaOnly ? { name: 'subjectKeyIdentifier' } : { name: 'subjectKeyIdentifier', value: subjectKeyId },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuerKeyId },
  ];
  if (request.ca) {
    extensions.push({ name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: request.ca.pathLen });
    extensions.push({ name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true });
    if (request.ca.permitted) extensions.push(nameConstraintsExtension(request.ca.permitted));
  } else {
    extensions.push(...leafExtensions(request.leafExtensions));
    const { ocspUrl, crlUrl } = request.revocationUrls ?? {};
    if (ocspUrl) extensions.push(ocspAccessExtension(ocspUrl));
    if (crlUrl) extensions.push(crlDistributionPointExtension(crlUrl));
  }
  if (request.subjectAltNames && request.subjectAltNames.length > 0) {
    extensions.push({
      name: 'subjectAltName',
      altNames: request.subjectAltNames.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    });
  }
  cert.setExtensions(extensions);
  return signWithAnyKey(cert, request.publicKeyPem, signer.privateKeyPem, request.digest);
}
