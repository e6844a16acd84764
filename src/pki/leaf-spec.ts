import { createHash } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { CA_NAMES, type CaName } from './hierarchy.js';
import { KEY_TYPES, type KeyType } from './keys.js';
import { DIGESTS, type Digest } from './digests.js';
import { LeafExtensionsSchema, type LeafExtensions } from './leaf-extensions.js';
import { expandNames, type FarmNames } from '../placeholders.js';

/** The CAs a leaf may be issued by, or `self` for a self-signed leaf. */
export const LEAF_ISSUERS = ['farm-intermediate', 'farm-sub-intermediate', 'unknown-intermediate', 'self'] as const;
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
    /** Key type; default `rsa-2048`. */
    key: Type.Optional(Type.Enum(KEY_TYPES)),
    /** Signature digest; default `sha256`. */
    digest: Type.Optional(Type.Enum(DIGESTS)),
    /** CA certificates sent after the leaf, in this order; default: the issuer's chain up to, not including, the root. */
    chain: Type.Optional(Type.Array(Type.Enum(CA_NAMES))),
    /** Extensions that differ from an ordinary server leaf's (src/pki/leaf-extensions.ts); default: none differ. */
    extensions: Type.Optional(LeafExtensionsSchema),
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
  /** Cache key: a hash of every field above. */
  hash: string;
}

const DEFAULT_CHAIN: Record<LeafIssuer, CaName[]> = {
  'farm-intermediate': ['farm-intermediate'],
  'farm-sub-intermediate': ['farm-sub-intermediate', 'farm-intermediate'],
  'unknown-intermediate': ['unknown-intermediate'],
  self: [],
};

/**
 * Resolves defaults and placeholders (src/placeholders.ts) of a leaf spec against the farm's names.
 */
export function resolveLeafSpec(spec: LeafSpec, names: Pick<FarmNames, 'hostnames' | 'ips'>): ResolvedLeafSpec {
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
  };
  const hash = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
  return { ...fields, hash };
}
