import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ensureHierarchy, type CaName, type LoadedCa } from './hierarchy.js';
import { generateKey, keyBits, keyPairFromPrivatePem, type KeyPairPem, type KeyType } from './keys.js';
import { resolveLeafSpec, type LeafSpec, type ResolvedLeafSpec } from './leaf-spec.js';
import type { PermittedNames } from './name-constraints.js';
import { CERTS_FORMAT, CertsStore, type CertsIndex } from './store.js';
import { issueCertificate } from './x509.js';
import type { FarmNames } from '../placeholders.js';

export type { LeafSpec, ResolvedLeafSpec } from './leaf-spec.js';
export type { CaName } from './hierarchy.js';

/** The reserved name (RFC 6761 `.invalid`) under which the farm's deliberately wrong names live. */
export const WRONG_NAMES_DOMAIN = 'badorigin.invalid';

/** Leaves are issued anew after this many days, so relative validity windows keep their meaning. */
const LEAF_REISSUE_DAYS = 30;
const DAY_MS = 86_400_000;

/** Where and for which names the farm keeps its certificates. */
export interface PkiOptions {
  /** Absolute path of the certs directory (created if missing). */
  certsDir: string;
  /** Farm hostnames (DNS names or IP literals), first = the primary one used in certificates' CN. */
  hostnames: string[];
  /** IP addresses valid leaves carry in their SAN (loopback plus a specific bind address). */
  ips: string[];
}

/** What a TLS listener serves: the private key and the certificate chain, leaf first, as one PEM text. */
export interface ServedChain {
  privateKeyPem: string;
  chainPem: string;
  leaf: X509Certificate;
}

/**
 * The farm PKI: the trusted `farm` hierarchy (root with NameConstraints → intermediate → issuing CA 2), the
 * never-trusted `unknown` hierarchy, shared leaf keys, and leaves issued on demand from scenario specs, all cached in
 * the certs directory and reused across runs. `open` does every slow step (key generation, signing) up front;
 * `chain` is then synchronous.
 */
export class Pki {
  readonly store: CertsStore;
  /** Human-readable lines about anything regenerated (print them: a new root must be trusted anew). */
  readonly notices: string[];
  private readonly cas: Map<CaName, LoadedCa>;
  private readonly chains = new Map<string, ServedChain>();
  private readonly names: Pick<FarmNames, 'hostnames' | 'ips'>;

  private constructor(store: CertsStore, cas: LoadedCa[], names: Pick<FarmNames, 'hostnames' | 'ips'>, notices: string[]) {
    this.store = store;
    this.cas = new Map(cas.map((ca) => [ca.name, ca]));
    this.names = names;
    this.notices = notices;
  }

  /** The names the farm root's NameConstraints permit for these options. */
  static permittedNames(options: Pick<PkiOptions, 'hostnames' | 'ips'>): PermittedNames {
    const dns = options.hostnames.filter((name) => !options.ips.includes(name));
    return { dns: [...new Set([...dns, WRONG_NAMES_DOMAIN])], ips: [...new Set(options.ips)] };
  }

  /**
   * Opens (or creates) the certs directory and prepares every leaf in `specs`.
   * @throws FarmError CERTS_DIR_FOREIGN when the directory was not written by badorigin.
   */
  static async open(options: PkiOptions, specs: LeafSpec[]): Promise<Pki> {
    const store = new CertsStore(options.certsDir);
    const notices: string[] = [];
    const opened = store.open();
    if (opened === 'corrupt') notices.push(`${store.path('farm.json')} was unreadable: regenerating every certificate`);
    const index: CertsIndex = opened && opened !== 'corrupt' ? opened : { format: CERTS_FORMAT, hierarchies: {}, leaves: {} };
    const permitted = Pki.permittedNames(options);
    const [farm, unknown] = await Promise.all([
      ensureHierarchy(store, index, 'farm', permitted, notices),
      ensureHierarchy(store, index, 'unknown', permitted, notices),
    ]);
    const pki = new Pki(store, [...farm, ...unknown], { hostnames: options.hostnames, ips: options.ips }, notices);
    await pki.prepare(index, specs);
    store.saveIndex(index);
    return pki;
  }

  /** Absolute path of a CA certificate PEM (`farm-root` is the one users trust). */
  caFile(name: CaName): string {
    return this.ca(name).certFile;
  }

  /** PEM of a CA certificate. */
  caPem(name: CaName): string {
    return this.ca(name).certPem;
  }

  /** Resolves a spec against the farm names (same result as used for caching). */
  resolve(spec: LeafSpec): ResolvedLeafSpec {
    return resolveLeafSpec(spec, this.names);
  }

  /**
   * The key and chain for a leaf spec that was passed to `open`.
   * @throws Error when the spec was not prepared.
   */
  chain(spec: LeafSpec): ServedChain {
    const resolved = this.resolve(spec);
    const chain = this.chains.get(resolved.hash);
    if (!chain) throw new Error(`leaf ${resolved.hash} was not prepared by Pki.open`);
    return chain;
  }

  private ca(name: CaName): LoadedCa {
    const ca = this.cas.get(name);
    if (!ca) throw new Error(`unknown CA ${name}`);
    return ca;
  }

  private async leafKeys(types: KeyType[]): Promise<Map<KeyType, KeyPairPem>> {
    const keys = new Map<KeyType, KeyPairPem>();
    await Promise.all(
      [...new Set(types)].map(async (type) => {
        const file = `keys/leaf-${type}.key`;
        const cached = this.store.read(file);
        if (cached !== null) {
          try {
            const key = createPrivateKey(cached);
            if (key.asymmetricKeyDetails?.modulusLength === keyBits(type)) {
              keys.set(type, keyPairFromPrivatePem(cached));
              return;
            }
          } catch {
            /* unreadable: generated anew below */
          }
          this.notices.push(`${this.store.path(file)} was unreadable or of the wrong size: generated a new key`);
        }
        const pair = await generateKey(type);
        this.store.write(file, pair.privateKeyPem, true);
        keys.set(type, pair);
      }),
    );
    return keys;
  }

  private async prepare(index: CertsIndex, specs: LeafSpec[]): Promise<void> {
    const resolved = new Map(specs.map((spec) => this.resolve(spec)).map((spec) => [spec.hash, spec]));
    const keys = await this.leafKeys([...resolved.values()].map((spec) => spec.key));
    for (const spec of resolved.values()) {
      const key = keys.get(spec.key)!;
      const issuerFingerprint = spec.issuer === 'self' ? 'self' : this.ca(spec.issuer).cert.fingerprint256;
      const leafPem = this.cachedLeaf(index, spec, issuerFingerprint, key) ?? this.issueLeaf(index, spec, issuerFingerprint, key);
      const chainPem = [leafPem, ...spec.chain.map((name) => this.ca(name).certPem)].join('');
      this.chains.set(spec.hash, { privateKeyPem: key.privateKeyPem, chainPem, leaf: new X509Certificate(leafPem) });
    }
  }

  private cachedLeaf(index: CertsIndex, spec: ResolvedLeafSpec, issuer: string, key: KeyPairPem): string | null {
    const record = index.leaves[spec.hash];
    if (!record || record.issuer !== issuer) return null;
    if (Date.now() - Date.parse(record.issuedAt) > LEAF_REISSUE_DAYS * DAY_MS) return null;
    const pem = this.store.read(record.file);
    try {
      if (pem !== null && new X509Certificate(pem).checkPrivateKey(createPrivateKey(key.privateKeyPem))) return pem;
    } catch {
      /* fall through */
    }
    this.notices.push(`${this.store.path(record.file)} was unreadable or did not match its key: issued it anew`);
    return null;
  }

  private issueLeaf(index: CertsIndex, spec: ResolvedLeafSpec, issuer: string, key: KeyPairPem): string {
    const now = Date.now();
    const signer = spec.issuer === 'self' ? { self: true as const, privateKeyPem: key.privateKeyPem } : this.ca(spec.issuer);
    const pem = issueCertificate(
      {
        commonName: spec.commonName,
        organization: 'badorigin',
        publicKeyPem: key.publicKeyPem,
        notBefore: new Date(now + spec.notBeforeDays * DAY_MS),
        notAfter: new Date(now + spec.notAfterDays * DAY_MS),
        subjectAltNames: spec.subjectAltNames,
        digest: spec.digest,
      },
      signer,
    );
    const file = `leaves/${spec.hash}.pem`;
    this.store.write(file, pem);
    index.leaves[spec.hash] = { file, issuedAt: new Date(now).toISOString(), issuer };
    return pem;
  }
}
