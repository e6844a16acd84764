import { createHash } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { CA_NAMES, type CaName } from './hierarchy.js';
import { KEY_TYPES, type KeyType } from './keys.js';
import { DIGESTS, type Digest } from './digests.js';
import { LeafExtensionsSchema, type LeafExtensions } from './leaf-extensions.js';
import { expandNames, type FarmNames } from '../placeholders.js';

/** The CAs a leaf may be issued by, or `self` for a self-signed leaf. */
export const LEAF_ISSUERS = [
  'farm-intermediate',
  'farm-sub-intermediate',
  'farm-constrained-intermediate',
  'unknown-intermediate',
  'self',
] as const;
export type LeafIssuer = (typeof LEAF_ISSUERS)[number];

/**
 * A leaf certificate as a scenario file describes it (`params.certificate` of the `tls` mechanism), the one
 * vocabulary of the PKI and the scenario files. Names may use the placeholders `{hostname}` (every farm hostname;
 * the first one for `commonName`) and `{ips}` (127.0.0.1, ::1 and the bind address).
 */
export const LeafSpecSchema = Type.Object(
  {
    issuer: Type.Enum(LEAF_ISSUERS),
    /** Subject CN; default `{hostname}`. */
    commonName: Type.Optional(Type.String({ minLength: 1 })),
    /** SAN entries; default `[{hostname}, {ips}]`; `[]` = no SAN extension at all. */
    subjectAltNames: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /**
     * That many more DNS names in the SAN, after `subjectAltNames`: `n1.badorigin.invalid` … (under the reserved
     * name the farm root's NameConstraints permit, so they break nothing but size).
     */
    fillerNames: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** Validity relative to the time of issue, in days; defaults -1 and 397. */
    notBeforeDays: Type.Optional(Type.Integer()),
    notAfterDays: Type.Optional(Type.Integer()),
    /**
     * notAfter this many seconds after the leaf is issued, instead of `notAfterDays` (1 s to 1 day). Such a leaf is
     * issued afresh each time the farm starts (or the listener is added or changed) and never cached, so that it is
     * served valid for that long and expired after (RFC 5280 §4.1.2.5).
     */
    expiresInS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    /** Key type; default `rsa-2048`. */
    key: Type.Optional(Type.Enum(KEY_TYPES)),
    /** Signature digest; default `sha256`. */
    digest: Type.Optional(Type.Enum(DIGESTS)),
    /** CA certificates sent after the leaf, in this order; default: the issuer's chain up to, not including, the root. */
    chain: Type.Optional(Type.Array(Type.Enum(CA_NAMES))),
    /** Extensions that differ from an ordinary server leaf's (src/pki/leaf-extensions.ts); default: none differ. */
    extensions: Type.Optional(LeafExtensionsSchema),
    /**
     * What the farm's revocation responder says of this leaf (`revoked`: its CRL lists it, its OCSP answers revoked;
     * else good), and whether the leaf names the responder: `ocsp` in authorityInfoAccess (RFC 5280 §4.2.2.1),
     * `crl` in cRLDistributionPoints (RFC 5280 §4.2.1.13). The URLs are the farm's, so they are only written when the
     * farm runs its responder on a fixed port; absent: the farm answers `unknown` for the leaf.
     */
    revocation: Type.Optional(
      Type.Object(
        { revoked: Type.Boolean(), ocsp: Type.Optional(Type.Boolean()), crl: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type LeafSpec = Static<typeof LeafSpecSchema>;

/** The reserved name (RFC 6761 `.invalid`) under which the farm's deliberately wrong or filler names live. */
export const WRONG_NAMES_DOMAIN = 'badorigin.invalid';

/** The CA names a scenario may list (`chain`, a client certificate's `acceptedCas`), as a schema. */
export const CaNameSchema = Type.Enum(CA_NAMES);

/** The farm's ordinary valid leaf: issued by the farm intermediate, SAN = hostnames and IPs. */
export const VALID_LEAF: LeafSpec = { issuer: 'farm-intermediate' };

/** A leaf spec with every default and placeholder resolved, as issued and cached. */
export interface ResolvedLeafSpec {
  issuer: LeafIssuer;
  commonName: string;
  subjectAltNames: string[];
  notBeforeDays: number;
  notAfterDays: number;
  key: KeyType;
  digest: Digest;
  chain: CaName[];
  /** Present only when the spec sets it, so that a spec without it keeps the cache key it always had. */
  extensions?: LeafExtensions;
  /** Present only when the spec sets it (same reason): seconds from issue to notAfter; the leaf is never cached. */
  expiresInS?: number;
  /** Present only when the spec sets it (as `extensions`): the status, and the responder URLs the leaf names. */
  revocation?: ResolvedRevocation;
  /** Cache key: a hash of every field above. */
  hash: string;
}

/** A leaf's revocation with its URLs resolved: `ocspUrl` and `crlUrl` are absent when the leaf names no responder. */
export interface ResolvedRevocation {
  revoked: boolean;
  ocspUrl?: string;
  crlUrl?: string;
}

/** The path of a CA's CRL on the revocation responder (`GET`). */
export const crlPath = (issuer: CaName) => `/crl/${issuer}.crl`;
/** The path of the OCSP responder (`POST`, and `GET` + `/<base64 request>`, RFC 6960 Appendix A.1). */
export const OCSP_PATH = '/ocsp';

function resolveRevocation(spec: LeafSpec, responderUrl: string | null): ResolvedRevocation | undefined {
  const { revocation } = spec;
  if (!revocation) return undefined;
  const issuer = spec.issuer === 'self' ? null : spec.issuer;
  return {
    revoked: revocation.revoked,
    ...(revocation.ocsp && responderUrl ? { ocspUrl: `${responderUrl}${OCSP_PATH}` } : {}),
    ...(revocation.crl && responderUrl && issuer ? { crlUrl: `${responderUrl}${crlPath(issuer)}` } : {}),
  };
}

const DEFAULT_CHAIN: Record<LeafIssuer, CaName[]> = {
  'farm-intermediate': ['farm-intermediate'],
  'farm-sub-intermediate': ['farm-sub-intermediate', 'farm-intermediate'],
  'farm-constrained-intermediate': ['farm-constrained-intermediate', 'farm-intermediate'],
  'unknown-intermediate': ['unknown-intermediate'],
  self: [],
};

/**
 * Resolves defaults and placeholders (src/placeholders.ts) of a leaf spec against the farm's names, and its
 * revocation URLs against `responderUrl` (`http://host:port` of the farm's revocation responder; null: none runs on a
 * fixed port, so the leaf names none). The URLs are part of the cache key: a leaf is issued anew when they change.
 */
export function resolveLeafSpec(
  spec: LeafSpec,
  names: Pick<FarmNames, 'hostnames' | 'ips'>,
  responderUrl: string | null = null,
): ResolvedLeafSpec {
  const revocation = resolveRevocation(spec, responderUrl);
  const expand = (value: string) => expandNames(value, names);
  const fields = {
    issuer: spec.issuer,
    commonName: expand(spec.commonName ?? '{hostname}')[0]!,
    subjectAltNames: [
      ...new Set((spec.subjectAltNames ?? ['{hostname}', '{ips}']).flatMap(expand)),
      ...Array.from({ length: spec.fillerNames ?? 0 }, (_, i) => `n${i + 1}.${WRONG_NAMES_DOMAIN}`),
    ],
    notBeforeDays: spec.notBeforeDays ?? -1,
    notAfterDays: spec.notAfterDays ?? 397,
    key: spec.key ?? 'rsa-2048',
    digest: spec.digest ?? 'sha256',
    chain: spec.chain ?? DEFAULT_CHAIN[spec.issuer],
    ...(spec.extensions ? { extensions: spec.extensions } : {}),
    ...(spec.expiresInS ? { expiresInS: spec.expiresInS } : {}),
    ...(revocation ? { revocation } : {}),
  };
  const hash = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
  return { ...fields, hash };
}
