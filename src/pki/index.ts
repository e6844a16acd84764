import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { FarmError } from '../errors.js';
import { ensureHierarchy, loadHierarchy, mismatchError, type CaName, type LoadedCa, type RewritePolicy } from './hierarchy.js';
import { generateKey, keyMatches, keyPairFromPrivatePem, type KeyPairPem, type KeyType } from './keys.js';
import { WRONG_NAMES_DOMAIN, resolveLeafSpec, type LeafSpec, type ResolvedLeafSpec } from './leaf-spec.js';
import type { PermittedNames } from './name-constraints.js';
import { withCertsLock, waitUntilUnlocked } from './lock.js';
import { Revocation } from './revocation.js';
import { CertsStore, emptyIndex, type CertsIndex } from './store.js';
import type { issueCertificate } from './x509.js';
import type { FarmNames } from '../placeholders.js';

export type { LeafSpec, ResolvedLeafSpec } from './leaf-spec.js';
export type { CaName, RewritePolicy } from './hierarchy.js';
export type { StapleFreshness } from './revocation.js';

export { WRONG_NAMES_DOMAIN } from './leaf-spec.js';

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
  /**
   * `http://host:port` of the farm's revocation responder, which leaves with a `revocation` name in their
   * authorityInfoAccess and cRLDistributionPoints; null or absent when none runs on a fixed port.
   */
  responderUrl?: string | null;
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
  /** The revocation status of the leaves with a `revocation`, and the OCSP responses and CRLs that say it. */
  readonly revocation: Revocation;
  private readonly cas: Map<CaName, LoadedCa>;
  private readonly chains = new Map<string, ServedChain>();
  private readonly names: Pick<FarmNames, 'hostnames' | 'ips'>;
  private readonly responderUrl: string | null;

  private constructor(store: CertsStore, cas: LoadedCa[], options: PkiOptions, notices: string[]) {
    this.store = store;
    this.cas = new Map(cas.map((ca) => [ca.name, ca]));
    this.names = { hostnames: options.hostnames, ips: options.ips };
    this.responderUrl = options.responderUrl ?? null;
    this.notices = notices;
    this.revocation = new Revocation(cas.filter((ca) => ca.name !== 'farm-root' && ca.name !== 'unknown-root'));
  }

  /** The names the farm root's NameConstraints permit for these options. */
  static permittedNames(options: Pick<PkiOptions, 'hostnames' | 'ips'>): PermittedNames {
    const dns = options.hostnames.filter((name) => !options.ips.includes(name));
    return { dns: [...new Set([...dns, WRONG_NAMES_DOMAIN])], ips: [...new Set(options.ips)] };
  }

  /**
   * Opens (or creates) the certs directory and prepares every leaf in `specs`. Everything from reading the directory
   * to saving its index happens under its lock file (src/pki/lock.ts), so processes sharing a directory take turns
   * and each one serves exactly what is on disk when it is done. An empty directory gets its `farm.json` before
   * anything else, so that a run killed while generating leaves a directory the next run finishes.
   * @param policy `rewrite` (serve) replaces what does not fit these options, with a notice; `create-only` (ca) only
   *   creates what is missing and refuses to replace anything.
   * @throws FarmError (exit 2): CERTS_DIR_FOREIGN when the directory was not written by badorigin; CERTS_DIR_UNSAFE
   *   when it is not a directory or others can write it; CERTS_FILE_UNREADABLE, CERTS_DIR_UNWRITABLE,
   *   CERTS_DIR_LOCKED; CERTS_MISMATCH under `create-only`.
   */
  static async open(options: PkiOptions, specs: LeafSpec[], policy: RewritePolicy = 'rewrite'): Promise<Pki> {
    const store = new CertsStore(options.certsDir);
    store.prepareForWriting();
    return withCertsLock(store.dir, async () => {
      store.removeLeftovers();
      const notices: string[] = [];
      const opened = store.open();
      if (opened === 'corrupt')
        notices.push(
          `${store.path('farm.json')} was not a badorigin index (truncated or edited): rebuilt it from the files that are still valid`,
        );
      const index: CertsIndex = opened && opened !== 'corrupt' ? opened : emptyIndex();
      if (opened === null) store.saveIndex(index);
      const permitted = Pki.permittedNames(options);
      const [farm, unknown] = await Promise.all([
        ensureHierarchy(store, index, 'farm', permitted, notices, policy),
        ensureHierarchy(store, index, 'unknown', permitted, notices, policy),
      ]);
      const pki = new Pki(store, [...farm, ...unknown], options, notices);
      await pki.prepare(index, specs);
      store.saveIndex(index);
      return pki;
    });
  }

  /**
   * Checks, without writing anything, that the farm root CA in the certs directory fits these options, for the
   * commands that only read it (`manifest`, `probe`, `config`). Waits (bounded) while another process writes it.
   * @returns null when it fits, else a one-line description of what does not fit and what to do.
   */
  static async inspect(options: PkiOptions): Promise<string | null> {
    const store = new CertsStore(options.certsDir);
    try {
      if (store.open() === null)
        return `no farm root CA in ${store.dir} yet: \`badorigin serve\` (or \`badorigin ca\`) with these options creates it`;
      await waitUntilUnlocked(store.dir);
      const loaded = loadHierarchy(store, 'farm', Pki.permittedNames(options));
      // CAs only missing are added by the next `serve` under the same root: the root fits.
      return Array.isArray(loaded) || loaded.partial ? null : mismatchError(store, 'farm', loaded.problem).message;
    } catch (error) {
      if (error instanceof FarmError) return error.message;
      throw error;
    }
  }

  /**
   * Prepares leaves for a farm already running (a listener added at run time): those of `specs` not yet prepared are
   * taken from the certs directory or issued there, under its lock, like `open` does; `chain` then serves them.
   * @throws FarmError CERTS_DIR_UNWRITABLE, CERTS_FILE_UNREADABLE, CERTS_DIR_LOCKED (see `open`).
   */
  async add(specs: LeafSpec[]): Promise<void> {
    const missing = specs.filter((spec) => !this.chains.has(this.resolve(spec).hash));
    if (missing.length === 0) return;
    await withCertsLock(this.store.dir, async () => {
      const opened = this.store.open();
      const index: CertsIndex = opened && opened !== 'corrupt' ? opened : emptyIndex();
      await this.prepare(index, missing);
      this.store.saveIndex(index);
    });
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
    return resolveLeafSpec(spec, this.names, this.responderUrl);
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
            if (keyMatches(type, key)) {
              keys.set(type, keyPairFromPrivatePem(cached));
              return;
            }
          } catch {
            /* not a valid key: generated anew below */
          }
          this.notices.push(`${this.store.path(file)} was not a valid key or of the wrong size: generated a new key`);
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
    // One key object per key type, not per leaf: many leaves share a key.
    const keyObjects = new Map([...keys].map(([type, key]) => [type, createPrivateKey(key.privateKeyPem)]));
    for (const spec of resolved.values()) {
      const key = keys.get(spec.key)!;
      const issuerFingerprint = spec.issuer === 'self' ? 'self' : this.ca(spec.issuer).cert.fingerprint256;
      let leafPem = spec.expiresInS === undefined ? this.cachedLeaf(index, spec, issuerFingerprint, keyObjects.get(spec.key)!) : null;
      if (leafPem === null) {
        // Loaded here: issuing needs all of node-forge, a start from cached certificates does not.
        const { issueCertificate } = await import('./x509.js');
        leafPem = this.issueLeaf(spec.expiresInS === undefined ? index : null, spec, issuerFingerprint, key, issueCertificate);
      }
      const chainPem = [leafPem, ...spec.chain.map((name) => this.ca(name).certPem)].join('');
      const leaf = new X509Certificate(leafPem);
      this.chains.set(spec.hash, { privateKeyPem: key.privateKeyPem, chainPem, leaf });
      if (spec.revocation && spec.issuer !== 'self') this.revocation.record(leaf, spec.issuer, spec.revocation.revoked);
    }
  }

  private cachedLeaf(index: CertsIndex, spec: ResolvedLeafSpec, issuer: string, key: KeyObject): string | null {
    const record = index.leaves[spec.hash];
    if (!record || record.issuer !== issuer) return null;
    if (Date.now() - Date.parse(record.issuedAt) > LEAF_REISSUE_DAYS * DAY_MS) return null;
    const pem = this.store.read(record.file);
    try {
      const leaf = pem === null ? null : new X509Certificate(pem);
      // The signature is checked, not only the recorded issuer fingerprint: a leaf another run signed must never be served.
      const issuerCert = spec.issuer === 'self' ? leaf : this.ca(spec.issuer).cert;
      if (
        leaf &&
        issuerCert &&
        leaf.checkPrivateKey(key) &&
        (spec.issuer === 'self' || leaf.checkIssued(issuerCert)) &&
        leaf.verify(issuerCert.publicKey)
      ) {
        return pem;
      }
    } catch {
      /* not a valid certificate: issued anew below */
    }
    this.notices.push(
      `${this.store.path(record.file)} was not a valid certificate, did not match its key or was not signed by its issuer: issued it anew`,
    );
    return null;
  }

  /** Issues a leaf; saves it in the certs directory and records it in `index`, unless `index` is null (not cached). */
  private issueLeaf(
    index: CertsIndex | null,
    spec: ResolvedLeafSpec,
    issuer: string,
    key: KeyPairPem,
    issue: typeof issueCertificate,
  ): string {
    const now = Date.now();
    const signer = spec.issuer === 'self' ? { self: true as const, privateKeyPem: key.privateKeyPem } : this.ca(spec.issuer);
    const pem = issue(
      {
        commonName: spec.commonName,
        organization: 'badorigin',
        publicKeyPem: key.publicKeyPem,
        notBefore: new Date(now + spec.notBeforeDays * DAY_MS),
        notAfter: new Date(spec.expiresInS !== undefined ? now + spec.expiresInS * 1000 : now + spec.notAfterDays * DAY_MS),
        subjectAltNames: spec.subjectAltNames,
        digest: spec.digest,
        leafExtensions: spec.extensions,
        revocationUrls: spec.revocation,
      },
      signer,
    );
    if (!index) return pem;
    const file = `leaves/${spec.hash}.pem`;
    this.store.write(file, pem);
    index.leaves[spec.hash] = { file, issuedAt: new Date(now).toISOString(), issuer };
    return pem;
  }
}
