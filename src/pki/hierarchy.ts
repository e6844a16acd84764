import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generateKey } from './keys.js';
import type { PermittedNames } from './name-constraints.js';
import type { CertsIndex, CertsStore } from './store.js';
import { issueCertificate } from './x509.js';

/** The CAs the farm keeps. `farm-*` chain up to the root users trust; `unknown-*` is never trusted by anyone. */
export type CaName = 'farm-root' | 'farm-intermediate' | 'farm-sub-intermediate' | 'unknown-root' | 'unknown-intermediate';
export type HierarchyName = 'farm' | 'unknown';

interface CaDefinition {
  name: CaName;
  hierarchy: HierarchyName;
  parent: CaName | null;
  /** File stem under the certs directory: `<stem>.pem` and `<stem>.key`. */
  stem: string;
  commonName: string;
  pathLen: number;
}

/** The CA catalogue, parents before children. */
export const CA_DEFINITIONS: readonly CaDefinition[] = [
  { name: 'farm-root', hierarchy: 'farm', parent: null, stem: 'root-ca', commonName: 'badorigin farm root CA', pathLen: 2 },
  { name: 'farm-intermediate', hierarchy: 'farm', parent: 'farm-root', stem: 'intermediate-ca', commonName: 'badorigin farm intermediate CA', pathLen: 1 },
  { name: 'farm-sub-intermediate', hierarchy: 'farm', parent: 'farm-intermediate', stem: 'sub-intermediate-ca', commonName: 'badorigin farm issuing CA 2', pathLen: 0 },
  { name: 'unknown-root', hierarchy: 'unknown', parent: null, stem: 'unknown-root-ca', commonName: 'badorigin unknown root CA (never trust this)', pathLen: 1 },
  { name: 'unknown-intermediate', hierarchy: 'unknown', parent: 'unknown-root', stem: 'unknown-intermediate-ca', commonName: 'badorigin unknown intermediate CA', pathLen: 0 },
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

function samePermitted(a: PermittedNames | undefined, b: PermittedNames): boolean {
  const key = (p: PermittedNames) => JSON.stringify([[...p.dns].sort(), [...p.ips].sort()]);
  return a !== undefined && key(a) === key(b);
}

/** The cached CA, ready to sign, or why it cannot be reused. */
function loadCachedCa(store: CertsStore, def: CaDefinition, parent: LoadedCa | null): string | LoadedCa {
  const certPem = store.read(`${def.stem}.pem`);
  const privateKeyPem = store.read(`${def.stem}.key`);
  if (certPem === null || privateKeyPem === null) return `${def.stem}.pem or .key is missing`;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem))) return `${def.stem}.key does not match ${def.stem}.pem`;
  } catch (error) {
    return `${def.stem}.pem or .key is unreadable (${(error as Error).message})`;
  }
  if (!cert.ca) return `${def.stem}.pem is not a CA certificate`;
  const signerKey = parent ? parent.cert.publicKey : cert.publicKey;
  if ((parent && !cert.checkIssued(parent.cert)) || !cert.verify(signerKey)) {
    return `${def.stem}.pem is not signed by ${parent ? parent.name : 'itself'}`;
  }
  if (Date.parse(cert.validTo) - Date.now() < CA_RENEW_MARGIN_DAYS * DAY_MS) return `${def.stem}.pem expires soon`;
  return { name: def.name, certPem, privateKeyPem, cert, certFile: store.path(`${def.stem}.pem`) };
}

async function generateHierarchy(store: CertsStore, defs: CaDefinition[], permitted: PermittedNames): Promise<LoadedCa[]> {
  const keys = await Promise.all(defs.map(() => generateKey('rsa-2048')));
  const loaded: LoadedCa[] = [];
  const now = Date.now();
  defs.forEach((def, i) => {
    const key = keys[i]!;
    const parent = loaded.find((ca) => ca.name === def.parent);
    const certPem = issueCertificate(
      {
        commonName: def.commonName,
        organization: 'badorigin',
        publicKeyPem: key.publicKeyPem,
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + CA_LIFETIME_DAYS * DAY_MS),
        ca: { pathLen: def.pathLen, permitted: def.parent === null ? permitted : undefined },
        digest: 'sha256',
      },
      parent ? { certPem: parent.certPem, privateKeyPem: parent.privateKeyPem } : { self: true, privateKeyPem: key.privateKeyPem },
    );
    store.write(`${def.stem}.key`, key.privateKeyPem, true);
    store.write(`${def.stem}.pem`, certPem);
    loaded.push({ name: def.name, certPem, privateKeyPem: key.privateKeyPem, cert: new X509Certificate(certPem), certFile: store.path(`${def.stem}.pem`) });
  });
  return loaded;
}

/**
 * Loads one CA hierarchy from the certs directory, or generates it anew (RSA-2048, SHA-256, ten years) when a file
 * is missing, unreadable, mismatched, about to expire, or its root's NameConstraints no longer cover `permitted`
 * (the hostname or bind address changed). Every regeneration adds a line to `notices`, since users who trusted the
 * old root must trust the new one. Updates `index.hierarchies`; the caller saves the index.
 */
export async function ensureHierarchy(
  store: CertsStore,
  index: CertsIndex,
  hierarchy: HierarchyName,
  permitted: PermittedNames,
  notices: string[],
): Promise<LoadedCa[]> {
  const defs = CA_DEFINITIONS.filter((def) => def.hierarchy === hierarchy);
  const record = index.hierarchies[hierarchy];
  let problem: string | null = null;
  if (!record) problem = 'none yet';
  else if (!samePermitted(record.permitted, permitted)) problem = `its root was constrained to ${[...record.permitted.dns, ...record.permitted.ips].join(', ')}`;
  const loaded: LoadedCa[] = [];
  for (const def of defs) {
    if (problem) break;
    const result = loadCachedCa(store, def, loaded.find((ca) => ca.name === def.parent) ?? null);
    if (typeof result === 'string') problem = result;
    else loaded.push(result);
  }
  if (!problem) return loaded;
  if (record) {
    notices.push(
      `regenerated the ${hierarchy} CA hierarchy in ${store.dir} (${problem})` +
        (hierarchy === 'farm' ? `: trust the new ${store.path('root-ca.pem')} wherever the old root was configured` : ''),
    );
  }
  const generated = await generateHierarchy(store, defs, permitted);
  index.hierarchies[hierarchy] = { createdAt: new Date().toISOString(), permitted };
  return generated;
}
