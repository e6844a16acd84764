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

/**
 * The path the health checks of the generated configurations ask for (Varnish's backend `.probe` `.url`,
 * src/config/varnish.ts). A probe's own requests never ask for it: they end in `/__probe/<id>/`.
 */
export const HEALTH_CHECK_PATH = '/';

/** True for a request target asking for `HEALTH_CHECK_PATH` (with or without a query). */
export function isHealthCheck(target: string): boolean {
  return target.split(/[?#]/, 1)[0] === HEALTH_CHECK_PATH;
}

/** How a probe window was opened. */
export interface WindowOptions {
  /**
   * The probe's own requests name it (`verify`'s carry the header and the path suffix): a health check arriving in
   * its window is then never its. Without it (a window around a client's plain `GET /`), a health check cannot be
   * told apart from the client's request and stays the probe's unless the probe's requests name it after all.
   */
  requestsNamed?: boolean;
}

/** What a probe window needs to know of a connection it opened on to decide whether it keeps it (`windowKeeps`). */
export interface WindowedConnection {
  /** Requests read on the connection, none of which named a probe. */
  requests: number;
  /** True when every one of those requests was a health check (`isHealthCheck`). */
  allHealthChecks: boolean;
  /** The window's `WindowOptions.requestsNamed`. */
  requestsNamed: boolean;
}

/**
 * Whether a connection that arrived while probe `probe`'s window was open belongs to the probe, when none of its
 * requests named a probe. A connection that read no request (a connection fault, a TLS fault, a reset, a stalled
 * handshake) cannot be told apart from the probe's and stays the probe's. One that read requests is health-check or
 * unrelated traffic, kept without a probe and never counted, when `probeNamed` (some request did name the probe, so
 * the probe's requests reach the farm recognisable and these are not of them), or when its requests were all health
 * checks of a window whose probe names its requests (`requestsNamed`: an intermediary that marks its backend sick
 * sends its health checks and never the probe). Otherwise (the probe's requests never reached the farm named: an
 * intermediary that drops the header and rewrites the path) the window decides.
 */
export function windowKeeps(connection: WindowedConnection, probeNamed: boolean): boolean {
  if (connection.requests === 0) return true;
  if (probeNamed) return false;
  return !(connection.requestsNamed && connection.allHealthChecks);
}

/** An open probe window: its probe, and how it was opened. */
interface OpenWindow {
  probe: string;
  requestsNamed: boolean;
}

/** Most probe windows open at once on one listener; opening one more closes the oldest. */
export const MAX_OPEN_WINDOWS = 16;

/**
 * The probe windows open on each listener: a connection (or DNS query) that arrives while one is open belongs to
 * the most recently opened one, unless a request of it names its own probe or `windowKeeps` says it is health-check
 * or unrelated traffic.
 */
export class ProbeWindows {
  private readonly open = new Map<string, OpenWindow[]>();

  /** Opens window `probe` on `listener` (again: moves it to the front). */
  begin(listener: string, probe: string, options: WindowOptions = {}): void {
    const windows = (this.open.get(listener) ?? []).filter((w) => w.probe !== probe);
    windows.push({ probe, requestsNamed: options.requestsNamed === true });
    if (windows.length > MAX_OPEN_WINDOWS) windows.shift();
    this.open.set(listener, windows);
  }

  /** Closes window `probe` on `listener`; false when it was not open. */
  end(listener: string, probe: string): boolean {
    const windows = this.open.get(listener) ?? [];
    const index = windows.findIndex((w) => w.probe === probe);
    if (index < 0) return false;
    windows.splice(index, 1);
    if (windows.length === 0) this.open.delete(listener);
    return true;
  }

  /** Closes every window of `listener`. */
  forget(listener: string): void {
    this.open.delete(listener);
  }

  /** The window a new connection of `listener` belongs to now, if one is open. */
  current(listener: string): OpenWindow | undefined {
    const windows = this.open.get(listener);
    return windows?.[windows.length - 1];
  }
}
