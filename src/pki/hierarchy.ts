import { X509Certificate, createPrivateKey } from 'node:crypto';
import { farmError, type FarmError } from '../errors.js';
import { generateKey } from './keys.js';
import { canonicalIp, readNameConstraints, type PermittedNames } from './name-constraints.js';
import type { CertsIndex, CertsStore } from './store.js';

/** The CAs the farm keeps. `farm-*` chain up to the root users trust; `unknown-*` is never trusted by anyone. */
export const CA_NAMES = [
  'farm-root',
  'farm-intermediate',
  'farm-sub-intermediate',
  'farm-constrained-intermediate',
  'unknown-root',
  'unknown-intermediate',
] as const;
export type CaName = (typeof CA_NAMES)[number];
export type HierarchyName = 'farm' | 'unknown';

interface CaDefinition {
  name: CaName;
  hierarchy: HierarchyName;
  parent: CaName | null;
  /** File stem under the certs directory: `<stem>.pem` and `<stem>.key`. */
  stem: string;
  commonName: string;
  pathLen: number;
  /** A CA below the root with NameConstraints of its own (the root's are the farm's names, given by the options). */
  permitted?: PermittedNames;
}

/** The domain the farm's constrained intermediate may vouch for: another one than the farm's (RFC 6761 `.invalid`). */
export const CONSTRAINED_DOMAIN = 'constrained.badorigin.invalid';

/** The CA catalogue, parents before children. */
export const CA_DEFINITIONS: readonly CaDefinition[] = [
  { name: 'farm-root', hierarchy: 'farm', parent: null, stem: 'root-ca', commonName: 'badorigin farm root CA', pathLen: 2 },
  {
    name: 'farm-intermediate',
    hierarchy: 'farm',
    parent: 'farm-root',
    stem: 'intermediate-ca',
    commonName: 'badorigin farm intermediate CA',
    pathLen: 1,
  },
  {
    name: 'farm-sub-intermediate',
    hierarchy: 'farm',
    parent: 'farm-intermediate',
    stem: 'sub-intermediate-ca',
    commonName: 'badorigin farm issuing CA 2',
    pathLen: 0,
  },
  {
    name: 'farm-constrained-intermediate',
    hierarchy: 'farm',
    parent: 'farm-intermediate',
    stem: 'constrained-intermediate-ca',
    commonName: `badorigin farm CA for ${CONSTRAINED_DOMAIN} only`,
    pathLen: 0,
    permitted: { dns: [CONSTRAINED_DOMAIN], ips: [] },
  },
  {
    name: 'unknown-root',
    hierarchy: 'unknown',
    parent: null,
    stem: 'unknown-root-ca',
    commonName: 'badorigin unknown root CA (never trust this)',
    pathLen: 1,
  },
  {
    name: 'unknown-intermediate',
    hierarchy: 'unknown',
    parent: 'unknown-root',
    stem: 'unknown-intermediate-ca',
    commonName: 'badorigin unknown intermediate CA',
    pathLen: 0,
  },
];

/** A CA ready to sign: its PEMs, parsed certificate and SHA-256 fingerprint. */
export interface LoadedCa {
  name: CaName;
  certPem: string;
  privateKeyPem: string;
  cert: X509Certificate;
  /** Absolute path of the certificate PEM. */
  certFile: string;
}

const DAY_MS = 86_400_000;
/** CAs live ten years; one that expires within this margin is regenerated. */
const CA_LIFETIME_DAYS = 3650;
const CA_RENEW_MARGIN_DAYS = 30;

const namesOf = (names: PermittedNames) => [...names.dns, ...names.ips];
const permittedKey = (names: PermittedNames) => JSON.stringify([[...names.dns].sort(), names.ips.map(canonicalIp).sort()]);

/** Why a root's own NameConstraints are not exactly the ones `permitted` asks for, or null when they are. */
function constraintsProblem(def: CaDefinition, cert: X509Certificate, permitted: PermittedNames): string | null {
  const read = readNameConstraints(cert.raw);
  if (!read) return `${def.stem}.pem carries no name constraints`;
  if (!read.critical || read.other) return `${def.stem}.pem has name constraints badorigin does not write`;
  if (permittedKey(read.permitted) !== permittedKey(permitted))
    return `${def.stem}.pem is constrained to ${namesOf(read.permitted).join(', ')}, not ${namesOf(permitted).join(', ')}`;
  return null;
}

/**
 * The cached CA, ready to sign; `'missing'` when neither of its files exists; or why it cannot be reused.
 * @throws FarmError CERTS_FILE_UNREADABLE when a file exists but cannot be read.
 */
function loadCachedCa(
  store: CertsStore,
  def: CaDefinition,
  parent: LoadedCa | null,
  permitted: PermittedNames,
): 'missing' | string | LoadedCa {
  const certPem = store.read(`${def.stem}.pem`);
  const privateKeyPem = store.read(`${def.stem}.key`);
  if (certPem === null && privateKeyPem === null) return 'missing';
  if (certPem === null || privateKeyPem === null) return `${def.stem}.${certPem === null ? 'pem' : 'key'} is missing`;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem))) return `${def.stem}.key does not match ${def.stem}.pem`;
  } catch (error) {
    return `${def.stem}.pem or .key is not a valid PEM certificate and key (${(error as Error).message})`;
  }
  if (!cert.ca) return `${def.stem}.pem is not a CA certificate`;
  const signerKey = parent ? parent.cert.publicKey : cert.publicKey;
  if ((parent && !cert.checkIssued(parent.cert)) || !cert.verify(signerKey)) {
    return `${def.stem}.pem is not signed by ${parent ? parent.name : 'itself'}`;
  }
  const ownConstraints = parent ? def.permitted : permitted;
  if (ownConstraints) {
    let problem: string | null;
    try {
      problem = constraintsProblem(def, cert, ownConstraints);
    } catch (error) {
      problem = `${def.stem}.pem cannot be parsed (${(error as Error).message})`;
    }
    if (problem) return problem;
  }
  if (Date.parse(cert.validTo) - Date.now() < CA_RENEW_MARGIN_DAYS * DAY_MS) return `${def.stem}.pem expires soon`;
  return { name: def.name, certPem, privateKeyPem, cert, certFile: store.path(`${def.stem}.pem`) };
}

/** A hierarchy on disk that lacks only CAs no other CA hangs from (one added to the catalogue since it was made). */
export interface PartialHierarchy {
  loaded: LoadedCa[];
  missing: CaDefinition[];
}

/**
 * Loads one CA hierarchy as it is on disk, checking each certificate against its key and its issuer, and the
 * NameConstraints of the root (against `permitted`) and of any CA with its own.
 * @returns the loaded CAs, parents first; or `{ problem, existed, partial }`: why they cannot be used, whether any
 *   file of the hierarchy exists at all, and, when the only problem is CAs missing that have no CA below them, what
 *   loaded and what is missing (they can be added without replacing the root).
 * @throws FarmError CERTS_FILE_UNREADABLE when a file exists but cannot be read.
 */
export function loadHierarchy(
  store: CertsStore,
  hierarchy: HierarchyName,
  permitted: PermittedNames,
): LoadedCa[] | { problem: string; existed: boolean; partial?: PartialHierarchy } {
  const defs = CA_DEFINITIONS.filter((d) => d.hierarchy === hierarchy);
  const loaded: LoadedCa[] = [];
  const missing: CaDefinition[] = [];
  for (const def of defs) {
    const result = loadCachedCa(store, def, loaded.find((ca) => ca.name === def.parent) ?? null, permitted);
    if (typeof result !== 'string') {
      loaded.push(result);
      continue;
    }
    if (result === 'missing' && def.parent !== null && !defs.some((d) => d.parent === def.name)) {
      missing.push(def);
      continue;
    }
    const existed = defs.some((d) => store.read(`${d.stem}.pem`) !== null || store.read(`${d.stem}.key`) !== null);
    return { problem: result === 'missing' ? `${def.stem}.pem and .key are missing` : result, existed };
  }
  if (missing.length === 0) return loaded;
  return { problem: `${missing.map((d) => d.stem).join(', ')} missing`, existed: true, partial: { loaded, missing } };
}

/** Generates the CAs `defs`, parents first, each signed by its parent among `existing` or those generated before it. */
async function generateHierarchy(
  store: CertsStore,
  defs: CaDefinition[],
  permitted: PermittedNames,
  existing: LoadedCa[] = [],
): Promise<LoadedCa[]> {
  // Loaded here: issuing needs all of node-forge, a start from cached certificates does not.
  const { issueCertificate } = await import('./x509.js');
  const keys = await Promise.all(defs.map(() => generateKey('rsa-2048')));
  const loaded: LoadedCa[] = [];
  const now = Date.now();
  defs.forEach((def, i) => {
    const key = keys[i]!;
    const parent = [...existing, ...loaded].find((ca) => ca.name === def.parent);
    const certPem = issueCertificate(
      {
        commonName: def.commonName,
        organization: 'badorigin',
        publicKeyPem: key.publicKeyPem,
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + CA_LIFETIME_DAYS * DAY_MS),
        ca: { pathLen: def.pathLen, permitted: def.parent === null ? permitted : def.permitted },
        digest: 'sha256',
      },
      parent ? { certPem: parent.certPem, privateKeyPem: parent.privateKeyPem } : { self: true, privateKeyPem: key.privateKeyPem },
    );
    store.write(`${def.stem}.key`, key.privateKeyPem, true);
    store.write(`${def.stem}.pem`, certPem);
    loaded.push({
      name: def.name,
      certPem,
      privateKeyPem: key.privateKeyPem,
      cert: new X509Certificate(certPem),
      certFile: store.path(`${def.stem}.pem`),
    });
  });
  return loaded;
}

/** Whether `ensureHierarchy` may replace a hierarchy whose files exist (`serve`), or only create a missing one (`ca`). */
export type RewritePolicy = 'rewrite' | 'create-only';

/**
 * Loads one CA hierarchy from the certs directory, adds the CAs it lacks that no other CA hangs from (signed by their
 * cached parent, the root kept), or generates it anew (RSA-2048, SHA-256, ten years) when another file is missing, not a valid PEM, mismatched, about to expire, or its root's own NameConstraints are not exactly
 * `permitted` (the hostname or bind address changed). Replacing existing files adds a line to `notices`, since users
 * who trusted the old root must trust the new one. Updates `index.hierarchies`; the caller saves the index.
 * @throws FarmError CERTS_MISMATCH (exit 2) when files exist but cannot be used and `policy` is `create-only`;
 *   CERTS_FILE_UNREADABLE when a file exists but cannot be read (it is never regenerated); CERTS_DIR_UNWRITABLE.
 */
export async function ensureHierarchy(
  store: CertsStore,
  index: CertsIndex,
  hierarchy: HierarchyName,
  permitted: PermittedNames,
  notices: string[],
  policy: RewritePolicy = 'rewrite',
): Promise<LoadedCa[]> {
  const loaded = loadHierarchy(store, hierarchy, permitted);
  if (Array.isArray(loaded)) {
    index.hierarchies[hierarchy] ??= { createdAt: new Date(loaded[0]!.cert.validFrom).toISOString(), permitted };
    return loaded;
  }
  if (loaded.partial) {
    // The root stays: whoever trusts it trusts the added CAs too, so nothing needs trusting anew.
    const { loaded: kept, missing } = loaded.partial;
    return [...kept, ...(await generateHierarchy(store, missing, permitted, kept))];
  }
  if (loaded.existed && policy === 'create-only') throw mismatchError(store, hierarchy, loaded.problem);
  if (loaded.existed) {
    notices.push(
      `regenerated the ${hierarchy} CA hierarchy in ${store.dir} (${loaded.problem})` +
        (hierarchy === 'farm' ? `: trust the new ${store.path('root-ca.pem')} wherever the old root was configured` : ''),
    );
  }
  const generated = await generateHierarchy(
    store,
    CA_DEFINITIONS.filter((def) => def.hierarchy === hierarchy),
    permitted,
  );
  index.hierarchies[hierarchy] = { createdAt: new Date().toISOString(), permitted };
  return generated;
}

/** The one-line error of a command that only reads the certs directory and finds it does not fit its options. */
export function mismatchError(store: CertsStore, hierarchy: HierarchyName, problem: string): FarmError {
  return farmError('CERTS_MISMATCH', hierarchy, store.dir, problem);
}
