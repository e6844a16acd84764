import { X509Certificate } from 'node:crypto';
import { Type, type Static } from 'typebox';

/** Most certificates of a chain a summary describes; a longer chain is counted in `CertificateChain.omitted`. */
export const MAX_CHAIN_CERTIFICATES = 8;
/** Most subjectAltName entries a certificate's summary lists; the rest are counted in `sanOmitted`. */
export const MAX_SUMMARY_SANS = 4;
/** Longest name (CN, SAN entry) a summary keeps, in characters; longer ones are clipped with `…`. */
const MAX_NAME_CHARS = 256;

/**
 * One certificate as the farm serves it, in a few bounded fields (RFC 5280 §4.1): the subject's and the issuer's
 * commonName (empty when there is none), the first MAX_SUMMARY_SANS subjectAltName entries as Node prints them
 * (`DNS:localhost`, `IP Address:127.0.0.1`) and how many more there are, and the validity as ISO 8601 times.
 */
export const CertificateSummary = Type.Object({
  subject: Type.String(),
  issuer: Type.String(),
  san: Type.Array(Type.String()),
  sanOmitted: Type.Optional(Type.Integer()),
  notBefore: Type.String(),
  notAfter: Type.String(),
});
export type CertificateSummary = Static<typeof CertificateSummary>;

/** The certificates a listener sends in its Certificate message, leaf first, and how many more it sends. */
export const CertificateChain = Type.Object({
  certificates: Type.Array(CertificateSummary),
  omitted: Type.Optional(Type.Integer()),
});
export type CertificateChain = Static<typeof CertificateChain>;

const clip = (text: string) => (text.length > MAX_NAME_CHARS ? `${text.slice(0, MAX_NAME_CHARS)}…` : text);

/** The CN of a distinguished name as node:crypto prints it (`CN=a\nO=b`), or ''. */
function commonName(dn: string): string {
  const line = dn.split('\n').find((part) => part.startsWith('CN='));
  return clip(line?.slice(3) ?? '');
}

function summarize(certificate: X509Certificate): CertificateSummary {
  const names = certificate.subjectAltName?.split(', ') ?? [];
  const summary: CertificateSummary = {
    subject: commonName(certificate.subject),
    issuer: commonName(certificate.issuer),
    san: names.slice(0, MAX_SUMMARY_SANS).map(clip),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
  };
  if (names.length > MAX_SUMMARY_SANS) summary.sanOmitted = names.length - MAX_SUMMARY_SANS;
  return summary;
}

/**
 * The summary of a PEM chain (leaf first, as a TLS server sends it: RFC 8446 §4.4.2). Made once per served chain
 * and shared by every connection that gets it. A block node:crypto cannot parse is left out of `certificates` and
 * counted in `omitted`, like the blocks past MAX_CHAIN_CERTIFICATES. Never throws.
 */
export function summarizeChain(chainPem: string): CertificateChain {
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g) ?? [];
  const certificates: CertificateSummary[] = [];
  for (const block of blocks.slice(0, MAX_CHAIN_CERTIFICATES)) {
    try {
      certificates.push(summarize(new X509Certificate(block)));
    } catch {
      // Counted below: a chain the farm serves on purpose may hold a certificate Node cannot read.
    }
  }
  const omitted = blocks.length - certificates.length;
  return omitted > 0 ? { certificates, omitted } : { certificates };
}
