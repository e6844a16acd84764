import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FarmError } from '../errors.js';
import type { PermittedNames } from './name-constraints.js';

/** Version tag of `farm.json`, the index of a certs directory written by badorigin. */
export const CERTS_FORMAT = 'badorigin-certs/1';

/** What `farm.json` records about one CA hierarchy. */
export interface HierarchyRecord {
  /** ISO time the hierarchy was generated. */
  createdAt: string;
  /** Names its root's NameConstraints permit; a change of hostname or bind IP regenerates the hierarchy. */
  permitted: PermittedNames;
}

/** What `farm.json` records about one cached leaf (keyed by the hash of its resolved spec). */
export interface LeafRecord {
  /** Path of the leaf PEM, relative to the certs directory. */
  file: string;
  /** ISO time of issue; leaves older than the reissue age are issued anew. */
  issuedAt: string;
  /** SHA-256 fingerprint of the issuing CA at issue time (colon hex, as node:crypto prints it), or `self`. */
  issuer: string;
}

/** The parsed `farm.json`. */
export interface CertsIndex {
  format: typeof CERTS_FORMAT;
  hierarchies: Record<string, HierarchyRecord>;
  leaves: Record<string, LeafRecord>;
}

/**
 * The on-disk certs directory: PEM files, private keys with mode 0600, and `farm.json` as its index.
 * Writes are atomic (temp file + rename) so an interrupted run never leaves a half-written PEM behind.
 */
export class CertsStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Absolute path of a file in the store. */
  path(relative: string): string {
    return join(this.dir, relative);
  }

  /**
   * Opens the directory and reads its index.
   * @returns the index, `null` for an empty (or README-only) or missing directory, or `'corrupt'` when
   *   `farm.json` exists but cannot be read as a badorigin index.
   * @throws FarmError CERTS_DIR_FOREIGN when the directory holds files but no `farm.json`: it was not written by
   *   badorigin, and nothing in it is overwritten.
   */
  open(): CertsIndex | null | 'corrupt' {
    if (!existsSync(this.dir)) return null;
    const entries = readdirSync(this.dir).filter((name) => name !== 'README.md' && !name.startsWith('.'));
    if (entries.length === 0) return null;
    if (!entries.includes('farm.json')) {
      throw new FarmError(
        'CERTS_DIR_FOREIGN',
        `certs directory ${this.dir} holds files but no farm.json, so badorigin did not write it; ` +
          'point --certs-dir at an empty or badorigin directory (nothing was changed)',
      );
    }
    try {
      const index = JSON.parse(readFileSync(this.path('farm.json'), 'utf8')) as CertsIndex;
      if (index?.format !== CERTS_FORMAT || typeof index.hierarchies !== 'object' || typeof index.leaves !== 'object') {
        return 'corrupt';
      }
      return index;
    } catch {
      return 'corrupt';
    }
  }

  /** Reads a file of the store as text, or `null` when it is missing or unreadable. */
  read(relative: string): string | null {
    try {
      return readFileSync(this.path(relative), 'utf8');
    } catch {
      return null;
    }
  }

  /** Writes a file atomically; `secret` files (private keys) get mode 0600, others 0644. */
  write(relative: string, content: string, secret = false): void {
    const target = this.path(relative);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, content, { mode: secret ? 0o600 : 0o644 });
    chmodSync(temp, secret ? 0o600 : 0o644);
    renameSync(temp, target);
  }

  /** Writes the index. */
  saveIndex(index: CertsIndex): void {
    this.write('farm.json', `${JSON.stringify(index, null, 2)}\n`);
  }
}
