/** Request header naming the probe a request belongs to (compared case-insensitively, as every field name). */
export const PROBE_HEADER = 'x-badorigin-probe';

/** What a probe id may be: 1 to 128 characters of letters, digits and `. _ ~ : -` (safe in a path and a header). */
export const PROBE_ID = /^[A-Za-z0-9._~:-]{1,128}$/;

/**
 * The path suffix naming a probe: the last two segments of the path are `__probe` and the id, with or without a
 * final slash, before any query (`/slow-first-byte/__probe/p42`, `/x/__probe/p42/?delay_ms=10`).
 */
const PATH_SUFFIX = /\/__probe\/([A-Za-z0-9._~:-]{1,128})\/?(?:[?#]|$)/;

/** True for a string that may name a probe (`PROBE_ID`). */
export function isProbeId(value: unknown): value is string {
  return typeof value === 'string' && PROBE_ID.test(value);
}

/**
 * The probe a request names: its `X-Badorigin-Probe` header when that holds a valid id, else the path suffix
 * `/__probe/<id>` of its target; undefined when neither does.
 * @param headers the header fields, names lower-cased.
 */
export function probeOfRequest(target: string, headers: readonly (readonly [string, string])[]): string | undefined {
  const field = headers.find(([name]) => name === PROBE_HEADER)?.[1].trim();
  if (isProbeId(field)) return field;
  return PATH_SUFFIX.exec(target)?.[1];
}

/** Most probe windows open at once on one listener; opening one more closes the oldest. */
export const MAX_OPEN_WINDOWS = 16;

/**
 * The probe windows open on each listener: a connection (or DNS query) that arrives while one is open belongs to
 * the most recently opened one, unless a request of it names its own probe.
 */
export class ProbeWindows {
  private readonly open = new Map<string, string[]>();

  /** Opens window `probe` on `listener` (again: moves it to the front). */
  begin(listener: string, probe: string): void {
    const windows = (this.open.get(listener) ?? []).filter((p) => p !== probe);
    windows.push(probe);
    if (windows.length > MAX_OPEN_WINDOWS) windows.shift();
    this.open.set(listener, windows);
  }

  /** Closes window `probe` on `listener`; false when it was not open. */
  end(listener: string, probe: string): boolean {
    const windows = this.open.get(listener) ?? [];
    const index = windows.indexOf(probe);
    if (index < 0) return false;
    windows.splice(index, 1);
    if (windows.length === 0) this.open.delete(listener);
    return true;
  }

  /** Closes every window of `listener`. */
  forget(listener: string): void {
    this.open.delete(listener);
  }

  /** The probe a new connection of `listener` belongs to now, if a window is open. */
  current(listener: string): string | undefined {
    const windows = this.open.get(listener);
    return windows?.[windows.length - 1];
  }
}
