import { readFileSync } from 'node:fs';

/**
 * File descriptors the farm keeps outside the connection budget: what the farm itself holds from the start (one
 * listening socket per listener, about 95 today, plus stdio, Node's event loop and the event log: about 125 in all),
 * and room for what it opens later — the control API's connections, certificate file reads, child processes.
 */
export const RESERVED_FDS = 1024;

/** RLIMIT_NOFILE assumed where `/proc/self/limits` cannot be read (systems without Linux's procfs). */
export const FALLBACK_FD_LIMIT = 4096;

/**
 * The soft RLIMIT_NOFILE of this process (getrlimit(2)), read from Linux's `/proc/self/limits` ("Max open files").
 * Node raises the soft limit to the hard one at start-up on POSIX systems, so this is also the hard limit there.
 * @returns the limit (`Infinity` for `unlimited`), or null where the file is absent or unreadable. Never throws.
 */
export function readFdLimit(limitsFile = '/proc/self/limits'): number | null {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'latin1');
  } catch {
    return null;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined) return null;
  if (soft === 'unlimited') return Infinity;
  const value = Number(soft);
  return Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * The largest farm-wide connection budget for a descriptor limit: the limit minus `RESERVED_FDS`, but at least
 * half of it (a small limit still leaves the farm half its descriptors for connections).
 * @param fdLimit RLIMIT_NOFILE, e.g. from `readFdLimit()`; `Infinity` gives `Number.MAX_SAFE_INTEGER`.
 */
export function budgetForFdLimit(fdLimit: number): number {
  if (!Number.isFinite(fdLimit)) return Number.MAX_SAFE_INTEGER;
  return Math.max(Math.floor(fdLimit / 2), fdLimit - RESERVED_FDS);
}

/** Gives a connection slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

/**
 * The farm-wide count of client connections (one descriptor each), shared by every listener that accepts TCP
 * connections, so that one flooded listener cannot take the descriptors every other listener and the control API
 * need (accept(2) fails with EMFILE past RLIMIT_NOFILE, and Node then resets new connections on every port).
 * A listener calls `acquire()` for each accepted connection and closes the connection at once when it gets null;
 * it calls the returned release when the connection closes. Reports nothing itself: the caller reports
 * `exhaustedDetail` as a `fault` event (rate-limited, see `CapFaultReporter`).
 */
export class ConnectionBudget {
  /** The farm flag that sets `limit`, for the cap's `fault` event. */
  static readonly FLAG = '--max-open-connections';
  private taken = 0;

  /** @param limit connections open at once across the farm; a positive whole number. @throws RangeError otherwise. */
  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`connection budget ${limit} is not a positive whole number`);
  }

  /** The `fault` event's detail for a connection refused because every slot is taken. */
  get exhaustedDetail(): string {
    return `cap: ${this.limit} connections open farm-wide, reset a new one (${ConnectionBudget.FLAG})`;
  }

  /** Connections holding a slot now. */
  get open(): number {
    return this.taken;
  }

  /** Takes one slot for a new connection: its release, or null when all `limit` slots are taken. */
  acquire(): ReleaseSlot | null {
    if (this.taken >= this.limit) return null;
    this.taken += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken -= 1;
    };
  }
}

/**
 * Rate-limits the `fault` events of caps being hit, so that a flood of refused connections does not flood the event
 * log: the first hit of each detail is reported at once; further hits within `intervalMs` are counted and reported
 * as one event at the end of that interval (`<detail> (N more in the last <intervalMs> ms)`), and so on while
 * the flood lasts. Timers are unref'd: they never keep the process alive.
 */
export class CapFaultReporter {
  /** Hits counted in the open window of each detail. */
  private readonly pending = new Map<string, number>();

  /**
   * @param emit reports one event (a listener's `context.emit`).
   * @param intervalMs shortest time between two events of the same detail, in ms (default 1000).
   */
  constructor(
    private readonly emit: (event: { type: 'fault'; detail: string }) => void,
    private readonly intervalMs = 1000,
  ) {}

  /** Reports one hit of the cap described by `detail` (e.g. `cap: 20000 connections open, reset a new one (--max-connections)`). */
  report(detail: string): void {
    const counted = this.pending.get(detail);
    if (counted !== undefined) {
      this.pending.set(detail, counted + 1);
      return;
    }
    this.emit({ type: 'fault', detail });
    this.startWindow(detail);
  }

  private startWindow(detail: string): void {
    const timer = setTimeout(() => {
      const count = this.pending.get(detail) ?? 0;
      this.pending.delete(detail);
      if (count === 0) return;
      this.emit({ type: 'fault', detail: `${detail} (${count} more in the last ${this.intervalMs} ms)` });
      this.startWindow(detail);
    }, this.intervalMs);
    timer.unref();
    this.pending.set(detail, 0);
  }
}
