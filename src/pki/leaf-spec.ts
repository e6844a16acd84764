import { createHash } from 'node:crypto';
import type { CaName } from './hierarchy.js';
import type { KeyType } from './keys.js';
import type { Digest } from './x509.js';
import { expandNames, type FarmNames } from '../placeholders.js';

/** The CAs a leaf may be issued by, or `self` for a self-signed leaf. */
export type LeafIssuer = 'farm-intermediate' | 'farm-sub-intermediate' | 'unknown-intermediate' | 'self';

/**
 * A leaf certificate as a scenario file describes it (`params.certificate`). Names may use the placeholders
 * `{hostname}` (every farm hostname; the first one for `commonName`) and `{ips}` (127.0.0.1, ::1 and the bind address).
 * The string `valid` stands for the farm's ordinary valid leaf, the one `--tls-cert` replaces.
 */
export interface LeafSpec {
  issuer: LeafIssuer;
  /** Subject CN; default `{hostname}`. */
  commonName?: string;
  /** SAN entries; default `[{hostname}, {ips}]`; `[]` = no SAN extension at all. */
  subjectAltNames?: string[];
  /** Validity relative to the time of issue, in days; defaults -1 and 397. */
  notBeforeDays?: number;
  notAfterDays?: number;
  key?: KeyType;
  digest?: Digest;
  /** CA certificates sent after the leaf, in this order; default: the issuer's chain up to, not including, the root. */
  chain?: CaName[];
}

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
    subjectAltNames: [...new Set((spec.subjectAltNames ?? ['{hostname}', '{ips}']).flatMap(expand))],
    notBeforeDays: spec.notBeforeDays ?? -1,
    notAfterDays: spec.notAfterDays ?? 397,
    key: spec.key ?? 'rsa-2048',
    digest: spec.digest ?? 'sha256',
    chain: spec.chain ?? DEFAULT_CHAIN[spec.issuer],
  };
  const hash = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
  return { ...fields, hash };
}
