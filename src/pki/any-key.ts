import forge from 'node-forge';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';

const { asn1 } = forge;

declare module 'node-forge' {
  namespace pki {
    /** The TBSCertificate of a certificate as ASN.1 (missing from @types/node-forge). */
    function getTBSCertificate(cert: Certificate): asn1.Asn1;
  }
}

/** Signature AlgorithmIdentifier OIDs (RFC 4055 §5, RFC 5758 §3.2, RFC 3279 §2.2.3) by signer key type and digest. */
const SIGNATURE_OIDS = {
  rsa: { sha256: '1.2.840.113549.1.1.11', sha1: '1.2.840.113549.1.1.5' },
  ec: { sha256: '1.2.840.10045.4.3.2', sha1: '1.2.840.10045.4.1' },
} as const;

type Digest = keyof (typeof SIGNATURE_OIDS)['rsa'];

const binary = (bytes: Buffer) => bytes.toString('binary');

function spkiAsn1(publicKeyPem: string): forge.asn1.Asn1 {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return asn1.fromDer(forge.util.createBuffer(binary(der)));
}

/**
 * The key identifier of a public key of any type: SHA-1 of its subjectPublicKey BIT STRING without the
 * unused-bits octet (RFC 5280 §4.2.1.2, method 1; what forge computes for RSA keys), as a forge binary string.
 */
export function spkiKeyIdentifier(publicKeyPem: string): string {
  const bits = (spkiAsn1(publicKeyPem).value as forge.asn1.Asn1[])[1]!.value as string;
  return binary(
    createHash('sha1')
      .update(Buffer.from(bits.slice(1), 'binary'))
      .digest(),
  );
}

function algorithmIdentifier(keyType: 'rsa' | 'ec', digest: Digest): forge.asn1.Asn1 {
  const oid = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SIGNATURE_OIDS[keyType][digest]).getBytes());
  // RSA signature algorithms carry NULL parameters; ECDSA ones carry none (RFC 5758 §3.2).
  const params = keyType === 'rsa' ? [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')] : [];
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [oid, ...params]);
}

/**
 * Finishes a certificate forge prepared but cannot complete because the subject key or the signer key is not RSA:
 * takes forge's TBSCertificate, puts in the real subject public key and the signer's signature algorithm, and signs
 * it with node:crypto (RFC 5280 §4.1). `cert.publicKey` may be any placeholder RSA key; its extensions must not
 * depend on it (pass the subject key identifier as a raw value).
 * @returns the certificate as PEM.
 * @throws Error when the signer key is neither RSA nor EC.
 */
export function signWithAnyKey(
  cert: forge.pki.Certificate,
  subjectPublicKeyPem: string,
  signerPrivateKeyPem: string,
  digest: Digest,
): string {
  const signerKey = createPrivateKey(signerPrivateKeyPem);
  const keyType = signerKey.asymmetricKeyType;
  if (keyType !== 'rsa' && keyType !== 'ec') throw new Error(`cannot sign a certificate with a ${keyType} key`);
  cert.siginfo.algorithmOid = SIGNATURE_OIDS.rsa.sha256; // read by getTBSCertificate; replaced below
  const tbs = forge.pki.getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [3] extensions.
  fields[2] = algorithmIdentifier(keyType, digest);
  fields[6] = spkiAsn1(subjectPublicKeyPem);
  const tbsDer = asn1.toDer(tbs).getBytes();
  const signature = sign(digest, Buffer.from(tbsDer, 'binary'), signerKey);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithmIdentifier(keyType, digest),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${binary(signature)}`),
  ]);
  return forge.pem.encode({ type: 'CERTIFICATE', body: asn1.toDer(certificate).getBytes() });
}
