import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { farmError, type FarmError } from '../errors.js';
import { isPrivateGroup } from './private-group.js';
import type { PermittedNames } from './name-constraints.js';

/** Version tag of `farm.json`, the index of a certs directory written by badorigin. */
export const CERTS_FORMAT = 'badorigin-certs/1';

/** Subdirectories of a certs directory. */
const SUBDIRECTORIES = ['keys', 'leaves'];
/** Temporary files `write` leaves behind when its process is killed: `.<name>.<12 hex>.tmp`. */
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;
/** Leaf files the index may name (anything else, `../` included, makes the index corrupt). */
const LEAF_FILE = /^leaves\/[0-9a-f]{16}\.pem$/;

/** What `farm.json` records about one CA hierarchy. */
export interface HierarchyRecord {
  /** ISO time the hierarchy was generated. */
  createdAt: string;
  /** Names its root's NameConstraints permit (informative: the root certificate itself is checked on load). */
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

/** A fresh, empty index. */
export function emptyIndex(): CertsIndex {
  return { format: CERTS_FORMAT, hierarchies: {}, leaves: {} };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function isIndex(value: unknown): value is CertsIndex {
  if (!isObject(value) || value.format !== CERTS_FORMAT || !isObject(value.hierarchies) || !isObject(value.leaves)) return false;
  const hierarchyOk = (record: unknown) =>
    isObject(record) &&
    typeof record.createdAt === 'string' &&
    isObject(record.permitted) &&
    isStringList(record.permitted.dns) &&
    isStringList(record.permitted.ips);
  const leafOk = (record: unknown) =>
    isObject(record) &&
    typeof record.file === 'string' &&
    LEAF_FILE.test(record.file) &&
    typeof record.issuedAt === 'string' &&
    typeof record.issuer === 'string';
  return Object.values(value.hierarchies).every(hierarchyOk) && Object.values(value.leaves).every(leafOk);
}

/** The error for a `--certs-dir` that names something other than a directory (exit 2). */
export function notADirectoryError(dir: string): FarmError {
  return farmError('BAD_OPTION', `--certs-dir ${dir}`, 'is not a directory');
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/**
 * The on-disk certs directory: PEM files, private keys with mode 0600, and `farm.json` as its index.
 * Files are written under a random name created with O_CREAT|O_EXCL (which never follows a symlink) and renamed
 * into place, so an interrupted run never leaves a half-written PEM and nothing is written through a planted link.
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
   * Creates the directory (mode 0700) when missing and checks that only this user can write it, as OpenSSH checks
   * `~/.ssh`: the directory and its `keys/` and `leaves/` must be directories owned by the current user and not
   * writable by group (unless it is the user's private group) or others; else anyone who can write there could plant links or replace the root CA.
   * @throws FarmError CERTS_DIR_UNSAFE (exit 2) when that is not so; BAD_OPTION when `dir` is not a directory;
   *   CERTS_DIR_UNWRITABLE when it cannot be created.
   */
  prepareForWriting(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      const stats = this.stat(this.dir);
      if (stats && !stats.isDirectory()) this.notADirectory();
      throw farmError('CERTS_DIR_UNWRITABLE', `create the certs directory ${this.dir}`, errorCode(error));
    }
    for (const dir of [this.dir, ...SUBDIRECTORIES.map((sub) => this.path(sub))]) {
      const stats = this.stat(dir);
      if (!stats) continue;
      if (!stats.isDirectory()) {
        if (dir === this.dir) this.notADirectory();
        throw farmError('CERTS_DIR_UNSAFE', dir, 'is not a directory: remove it, or point --certs-dir elsewhere');
      }
      // Owners and modes are POSIX notions; Windows reports neither faithfully.
      const uid = process.getuid?.();
      if (uid === undefined) continue;
      if (stats.uid !== uid) {
        throw farmError(
          'CERTS_DIR_UNSAFE',
          dir,
          `belongs to uid ${stats.uid}, not to this user (uid ${uid}): refusing to keep private keys there; point --certs-dir at a directory of your own`,
        );
      }
      // Group-writable is writable by this user alone when the group is the user's private group.
      const groupAlone = stats.mode & 0o020 && isPrivateGroup(uid, stats.gid) ? 0o020 : 0;
      const unsafe = stats.mode & 0o022 & ~groupAlone;
      if (unsafe) {
        const writers = [unsafe & 0o020 ? 'its group' : '', unsafe & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
        throw farmError(
          'CERTS_DIR_UNSAFE',
          dir,
          `is writable by ${writers} (mode ${(stats.mode & 0o777).toString(8)}): refusing to keep private keys there; chmod go-w it, or point --certs-dir elsewhere`,
        );
      }
    }
  }

  /** Removes the temporary files of a run that was killed while writing (call it while holding the lock). */
  removeLeftovers(): void {
    for (const dir of [this.dir, ...SUBDIRECTORIES.map((sub) => this.path(sub))]) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) if (TEMP_FILE.test(name)) rmSync(join(dir, name), { force: true });
    }
  }

  /**
   * Opens the directory and reads its index.
   * @returns the index, `null` for an empty (or README-only) or missing directory, or `'corrupt'` when
   *   `farm.json` exists but does not hold a badorigin index.
   * @throws FarmError CERTS_DIR_FOREIGN when the directory holds files but no `farm.json`: it was not written by
   *   badorigin, and nothing in it is overwritten; BAD_OPTION when it is not a directory;
   *   CERTS_FILE_UNREADABLE when `farm.json` cannot be read.
   */
  open(): CertsIndex | null | 'corrupt' {
    const stats = this.stat(this.dir);
    if (!stats) return null;
    if (!stats.isDirectory()) this.notADirectory();
    let entries: string[];
    try {
      entries = readdirSync(this.dir).filter((name) => name !== 'README.md' && !name.startsWith('.'));
    } catch (error) {
      throw farmError('CERTS_FILE_UNREADABLE', `cannot list the certs directory ${this.dir}`, errorCode(error));
    }
    if (entries.length === 0) return null;
    if (!entries.includes('farm.json')) {
      throw farmError('CERTS_DIR_FOREIGN', this.dir);
    }
    const text = this.read('farm.json');
    if (text === null) return 'corrupt';
    try {
      const index: unknown = JSON.parse(text);
      return isIndex(index) ? index : 'corrupt';
    } catch {
      return 'corrupt';
    }
  }

  /**
   * Reads a file of the store as text.
   * @returns its text, or `null` when it does not exist.
   * @throws FarmError CERTS_FILE_UNREADABLE (exit 2) when it exists but cannot be read (permissions, a directory):
   *   such a file is never taken for a missing one, so nothing is regenerated in its place.
   */
  read(relative: string): string | null {
    try {
      return readFileSync(this.path(relative), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw farmError(
        'CERTS_FILE_UNREADABLE',
        `${this.path(relative)} is unreadable`,
        errorCode(error),
        'fix its permissions or remove it',
      );
    }
  }

  /**
   * Writes a file atomically; `secret` files (private keys) get mode 0600, others 0644.
   * @throws FarmError CERTS_DIR_UNWRITABLE (exit 2) when the file or its directory cannot be written.
   */
  write(relative: string, content: string, secret = false): void {
    const target = this.path(relative);
    const dir = dirname(target);
    const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    const mode = secret ? 0o600 : 0o644;
    try {
      if (dir !== this.dir) mkdirSync(dir, { mode: 0o700, recursive: true });
      const fd = openSync(temp, 'wx', mode);
      try {
        fchmodSync(fd, mode);
        writeFileSync(fd, content);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw farmError(
        'CERTS_DIR_UNWRITABLE',
        `write ${target}`,
        errorCode(error),
        `fix the permissions of ${dir}, or point --certs-dir elsewhere`,
      );
    }
  }

  /** Writes the index. @throws FarmError CERTS_DIR_UNWRITABLE as `write`. */
  saveIndex(index: CertsIndex): void {
    this.write('farm.json', `${JSON.stringify(index, null, 2)}\n`);
  }

  private stat(path: string): Stats | null {
    try {
      return statSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw farmError('CERTS_FILE_UNREADABLE', `cannot look at ${path}`, errorCode(error));
    }
  }

  private notADirectory(): never {
    throw notADirectoryError(this.dir);
  }
}
