import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { farmError } from '../errors.js';

/** Name of the lock file a process holds while it writes a certs directory (a dotfile: never taken for content). */
export const LOCK_FILE = '.lock';
/** Longest a process waits for another one to finish writing the certs directory, in ms. */
const LOCK_WAIT_MS = 150_000;
/**
 * A lock older than this is stale whoever holds it, in ms: no generation takes two minutes (a whole farm takes about
 * 1.2 s), and this is what frees a lock whose holder's liveness cannot be checked (another host, a reused pid).
 */
const LOCK_STALE_MS = 120_000;
/** A `.lock.break` older than this is left over from a process that died while breaking a stale lock, in ms. */
const BREAK_STALE_MS = 10_000;
const POLL_MS = 25;

/** What a lock file says about its holder. */
interface LockHolder {
  pid: number;
  host: string;
  /** The holder's PID namespace (Linux), so that a pid is only judged inside the namespace it belongs to. */
  pidNamespace: string;
  since: string;
  nonce: string;
}

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const holder = JSON.parse(text) as Partial<LockHolder> | null;
    return holder && Number.isInteger(holder.pid) && typeof holder.host === 'string' ? (holder as LockHolder) : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock whose text is `text` belongs to no running process (or is too old to belong to one). */
function isStale(file: string, text: string): boolean {
  if (ageMs(file) > LOCK_STALE_MS) return true;
  const holder = parseHolder(text);
  if (!holder || holder.host !== hostname() || holder.pidNamespace !== pidNamespace()) return false;
  // This process never waits for a lock it holds itself (see `held`), so its own pid is a dead predecessor's
  // (a restarted container's pid 1, for one).
  return holder.pid === process.pid || !processAlive(holder.pid);
}

/**
 * Removes the stale lock whose text is `seen`, unless someone replaced it meanwhile. Breakers take `.lock.break`
 * with O_EXCL first, so two of them never both remove a lock: the second would remove the first one's fresh lock.
 */
function breakStaleLock(file: string, seen: string): void {
  const breaker = `${file}.break`;
  try {
    writeFileSync(breaker, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch {
    if (ageMs(breaker) > BREAK_STALE_MS) rmSync(breaker, { force: true });
    return;
  }
  try {
    if (readText(file) === seen) rmSync(file, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

function describeHolder(text: string): string {
  const holder = parseHolder(text);
  return holder ? `pid ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another process';
}

/** Takes the lock file, waiting while a live process holds it. */
async function acquire(dir: string): Promise<() => void> {
  const file = join(dir, LOCK_FILE);
  const nonce = randomBytes(8).toString('hex');
  const text = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    pidNamespace: pidNamespace(),
    since: new Date().toISOString(),
    nonce,
  } satisfies LockHolder);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    // Written in full under a unique name, then linked into place: link(2) fails when the lock exists, and a reader
    // never sees a half-written lock.
    const temp = `${file}.${nonce}.tmp`;
    let taken = false;
    try {
      writeFileSync(temp, text, { flag: 'wx', mode: 0o600 });
      try {
        linkSync(temp, file);
      } catch (error) {
        // A file system without hard links: O_EXCL alone (a reader may then briefly see an empty lock, never stale).
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
        writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
      }
      taken = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw farmError(
          'CERTS_DIR_UNWRITABLE',
          `create the lock file ${file}`,
          (error as NodeJS.ErrnoException).code ?? (error as Error).message,
        );
      }
    } finally {
      rmSync(temp, { force: true });
    }
    if (taken) return () => (readText(file) === text ? rmSync(file, { force: true }) : undefined);
    const seen = readText(file);
    if (seen === null) continue;
    if (isStale(file, seen)) {
      breakStaleLock(file, seen);
      continue;
    }
    if (Date.now() > deadline) {
      throw farmError('CERTS_DIR_LOCKED', dir, describeHolder(seen), LOCK_WAIT_MS / 1000, file);
    }
    await sleep(POLL_MS + Math.random() * POLL_MS);
  }
}

/** Per-directory queue of this process, so that two `Pki.open` of one process take turns instead of waiting on each other's lock file. */
const held = new Map<string, Promise<void>>();

/**
 * Runs `work` while holding the certs directory's lock file (`<dir>/.lock`, created with O_EXCL), so that processes
 * sharing a certs directory write it one at a time and each one then serves what is on disk. A lock whose holder
 * died (same host and PID namespace, pid gone) or that is older than two minutes is broken; otherwise this waits up
 * to 150 s. `dir` must exist.
 * @throws FarmError CERTS_DIR_LOCKED when a live holder keeps it longer; CERTS_DIR_UNWRITABLE when the lock cannot
 *   be created.
 */
export async function withCertsLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const previous = held.get(dir) ?? Promise.resolve();
  let done!: () => void;
  const gate = new Promise<void>((resolve) => (done = resolve));
  const mine = previous.then(() => gate);
  held.set(dir, mine);
  await previous;
  try {
    const release = await acquire(dir);
    try {
      return await work();
    } finally {
      release();
    }
  } finally {
    done();
    if (held.get(dir) === mine) held.delete(dir);
  }
}

/**
 * Waits (up to `timeoutMs`) until no live process holds the certs directory's lock, for commands that only read it
 * and should not see a hierarchy half rewritten. Returns false when a holder was still at work at the deadline.
 */
export async function waitUntilUnlocked(dir: string, timeoutMs = 30_000): Promise<boolean> {
  const file = join(dir, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = readText(file);
    if (seen === null || isStale(file, seen)) return true;
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
}
