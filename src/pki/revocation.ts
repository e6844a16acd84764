import type { X509Certificate } from 'node:crypto';
import type { CaName, LoadedCa } from './hierarchy.js';
import type { IssuerIdentity } from './issuer-identity.js';
import type { OcspAnswer, OcspCertStatus } from './ocsp.js';

/** The ASN.1 encoders, loaded at the first OCSP response or CRL: a start that signs none never loads them. */
type Codec = typeof import('./ocsp.js') & typeof import('./crl.js') & typeof import('./issuer-identity.js');
let codec: Promise<Codec> | undefined;
const loadCodec = (): Promise<Codec> =>
  (codec ??= Promise.all([import('./ocsp.js'), import('./crl.js'), import('./issuer-identity.js')]).then(([ocsp, crl, identity]) => ({
    ...ocsp,
    ...crl,
    ...identity,
  })));

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A current response or CRL is valid from an hour ago to seven days ahead, and signed anew after a day. */
const VALIDITY_MS = 7 * DAY_MS;
const RESIGN_MS = DAY_MS;
/** A stale OCSP response: thisUpdate ten days ago, nextUpdate three days ago (RFC 6960 §4.2.2.1: it has expired). */
const STALE_THIS_UPDATE_MS = 10 * DAY_MS;
const STALE_NEXT_UPDATE_MS = 3 * DAY_MS;

/** A certificate's serial as lower-case hex without leading zero bytes (how the OCSP request parser spells it). */
const serialOf = (cert: X509Certificate) => cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, '');

/** A leaf whose revocation status the farm answers for. */
interface RecordedLeaf {
  issuer: CaName;
  revoked: boolean;
  /** When it counts as revoked: its notBefore, so that it had never been good. */
  revokedAt: Date;
}

/** Which OCSP response to staple: a current one, or one whose nextUpdate has passed. */
export type StapleFreshness = 'current' | 'stale';

/**
 * The farm's revocation data: which prepared leaves are revoked, and the OCSP responses (RFC 6960) and CRLs
 * (RFC 5280 §5) that say so, signed by the leaf's issuing CA with @peculiar/asn1-ocsp and @peculiar/asn1-x509.
 * A leaf the PKI did not record answers `unknown`. Signed data is kept and signed anew after a day.
 */
export class Revocation {
  private readonly leaves = new Map<string, RecordedLeaf>();
  private readonly identities = new Map<CaName, IssuerIdentity>();
  private readonly signed = new Map<string, { der: Buffer; at: number }>();
  private readonly cas: readonly LoadedCa[];

  /** @param cas the CAs that may have issued a recorded leaf (each signs its own responses and CRL). */
  constructor(cas: readonly LoadedCa[]) {
    this.cas = cas;
  }

  /** Records a leaf the PKI serves, issued by `issuer`, and whether the farm says it is revoked. */
  record(leaf: X509Certificate, issuer: CaName, revoked: boolean): void {
    this.leaves.set(serialOf(leaf), { issuer, revoked, revokedAt: new Date(leaf.validFrom) });
    // A CRL signed before lists the leaves recorded before.
    this.signed.clear();
  }

  /** The OCSP response to staple for a recorded leaf (DER); null for a leaf the farm does not answer for. */
  async staple(leaf: X509Certificate, freshness: StapleFreshness): Promise<Buffer | null> {
    const serialHex = serialOf(leaf);
    const recorded = this.leaves.get(serialHex);
    if (!recorded) return null;
    const { certIdFor, signedOcspResponse } = await loadCodec();
    const issuer = await this.identity(recorded.issuer);
    return this.cached(`staple ${serialHex} ${freshness}`, (now) => {
      const window =
        freshness === 'current'
          ? { thisUpdate: new Date(now - HOUR_MS), nextUpdate: new Date(now + VALIDITY_MS) }
          : { thisUpdate: new Date(now - STALE_THIS_UPDATE_MS), nextUpdate: new Date(now - STALE_NEXT_UPDATE_MS) };
      const answer: OcspAnswer = { certId: certIdFor(serialHex, issuer), status: this.statusOf(recorded), ...window };
      return signedOcspResponse(issuer, [answer], window.thisUpdate);
    });
  }

  /**
   * Answers a DER OCSPRequest as the farm's responder (RFC 6960 §4.2): signed by the CA the first CertID names,
   * `malformedRequest` for bytes that are not a request, `unauthorized` for a CA the farm does not keep.
   * @returns the DER OCSPResponse; never rejects for bad input.
   */
  async answer(requestDer: Buffer): Promise<Buffer> {
    const { ocspError, parseOcspRequest, signedOcspResponse } = await loadCodec();
    const identities = await Promise.all(this.cas.map((candidate) => this.identity(candidate.name)));
    let parsed: ReturnType<typeof parseOcspRequest>;
    try {
      parsed = parseOcspRequest(requestDer);
    } catch {
      return ocspError('malformedRequest');
    }
    const index = identities.findIndex((identity) => parsed.questions[0]!.issuedBy(identity));
    const ca = this.cas[index];
    const issuer = identities[index];
    if (!ca || !issuer) return ocspError('unauthorized');
    const now = Date.now();
    const answers = parsed.questions.map((question): OcspAnswer => {
      const recorded = this.leaves.get(question.serialHex);
      const known = recorded && recorded.issuer === ca.name && question.issuedBy(issuer);
      return {
        certId: question.certId,
        status: known ? this.statusOf(recorded) : { status: 'unknown' },
        thisUpdate: new Date(now - HOUR_MS),
        nextUpdate: new Date(now + VALIDITY_MS),
      };
    });
    return signedOcspResponse(issuer, answers, new Date(now), parsed.nonce);
  }

  /** The CRL of a CA (DER), listing every recorded leaf it issued that is revoked; null for a CA the farm does not keep. */
  async crl(name: string): Promise<Buffer | null> {
    const ca = this.cas.find((candidate) => candidate.name === name);
    if (!ca) return null;
    const { signedCrl } = await loadCodec();
    const identity = await this.identity(ca.name);
    return this.cached(`crl ${ca.name}`, (now) => {
      const revoked = [...this.leaves]
        .filter(([, leaf]) => leaf.revoked && leaf.issuer === ca.name)
        .map(([serialHex, leaf]) => ({ serialHex, revokedAt: leaf.revokedAt }));
      // The CRL number only has to grow (RFC 5280 §5.2.3): seconds since the epoch do.
      return signedCrl(identity, revoked, new Date(now - HOUR_MS), new Date(now + VALIDITY_MS), Math.floor(now / 1000));
    });
  }

  private statusOf(leaf: RecordedLeaf): OcspCertStatus {
    return leaf.revoked ? { status: 'revoked', revokedAt: leaf.revokedAt } : { status: 'good' };
  }

  private async identity(name: CaName): Promise<IssuerIdentity> {
    let identity = this.identities.get(name);
    if (!identity) {
      const ca = this.cas.find((candidate) => candidate.name === name);
      if (!ca) throw new Error(`unknown CA ${name}`);
      identity = (await loadCodec()).issuerIdentity(ca.cert, ca.privateKeyPem);
      this.identities.set(name, identity);
    }
    return identity;
  }

  private cached(key: string, make: (now: number) => Buffer): Buffer {
    const now = Date.now();
    const kept = this.signed.get(key);
    if (kept && now - kept.at < RESIGN_MS) return kept.der;
    const der = make(now);
    this.signed.set(key, { der, at: now });
    return der;
  }
}
