import type { EventEmitter } from 'node:events';
import type { ListenerEvent } from '../listeners/index.js';
import type { Attempt } from './attempt.js';
import { isHealthCheck, isProbeId, probeOfRequest, ProbeWindows, windowKeeps, type WindowOptions } from './probe.js';
import {
  addAction,
  addRequest,
  addResponse,
  detached,
  ListenerLedger,
  setClientHello,
  setServerHello,
  toAttempt,
  type StoredAttempt,
} from './store.js';

/** Which attempts `attempts()` returns. */
export interface AttemptQuery {
  /** Only attempts with an event (accept, request, action, close, query) at or after this time, ms since the epoch. */
  since?: number;
  /** Only attempts of this probe: the attempt's own `probe`, or a request of it naming the probe. */
  probe?: string;
  /** Only the newest this many of the matching attempts (a positive integer). */
  limit?: number;
}

/**
 * The probe each of `attempts` (one listener's) belongs to: the one a request of it named, else the window's unless
 * `windowKeeps` says the connection is health-check or unrelated traffic (then none). Decided when read, since the
 * probe's own requests may reach the farm after a health check that arrived in its window.
 */
function windowDecisions(attempts: StoredAttempt[]): (attempt: StoredAttempt) => string | undefined {
  const named = new Set<string>();
  for (const attempt of attempts) for (const request of attempt.requests) if (request.probe !== undefined) named.add(request.probe);
  return (attempt) => {
    if (attempt.probe === undefined || attempt.probeFromRequest) return attempt.probe;
    const connection = {
      requests: attempt.unnamedRequests,
      allHealthChecks: attempt.allHealthChecks,
      requestsNamed: attempt.windowRequestsNamed,
    };
    return windowKeeps(connection, named.has(attempt.probe)) ? attempt.probe : undefined;
  };
}

/**
 * The attempt ledger: what the farm saw of each TCP connection (and each DNS query) on each listener, built from the
 * listener events (src/listeners/mechanism.ts), the last `size` per listener (0: none kept), records as `Attempt`
 * (attempt.ts) describes them. Probe windows (`beginProbe`/`endProbe`) attribute connections that carry no request
 * naming a probe to the probe running on that listener: always those that read no request (TLS faults, resets),
 * which nothing tells apart; those that read requests unless the probe's own requests name it, or they are health
 * checks in the window of a probe that names its requests (`windowKeeps`, src/ledger/probe.ts).
 */
export class AttemptLedger {
  private readonly listeners = new Map<string, ListenerLedger>();
  private readonly windows = new ProbeWindows();
  private readonly ids: Set<string>;

  /**
   * @param ids the farm's listener ids.
   * @param size attempts kept per listener (0: the ledger is off and keeps nothing).
   */
  constructor(
    events: EventEmitter<{ event: [ListenerEvent] }>,
    ids: string[],
    readonly size: number,
  ) {
    this.ids = new Set();
    for (const id of ids) this.add(id);
    if (size > 0) events.on('event', (event) => this.record(event));
  }

  /** Starts a ledger for listener `id` (one added while the farm runs). */
  add(id: string): void {
    this.ids.add(id);
    if (this.size > 0) this.listeners.set(id, new ListenerLedger(this.size));
  }

  /** Drops listener `id`'s ledger and probe windows (a listener removed while the farm runs). */
  remove(id: string): void {
    this.ids.delete(id);
    this.listeners.delete(id);
    this.windows.forget(id);
  }

  /** True when the farm runs listener `id`. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /**
   * The attempts kept for listener `id` matching `query`, oldest first; undefined for a listener the farm does not
   * run. Empty when the ledger is off (size 0).
   */
  attempts(id: string, query: AttemptQuery = {}): Attempt[] | undefined {
    if (!this.ids.has(id)) return undefined;
    const kept = this.listeners.get(id);
    if (!kept) return [];
    const all = [...kept.all()];
    const probeOf = windowDecisions(all);
    const matches = (a: StoredAttempt) =>
      (query.since === undefined || a.lastAt >= query.since) &&
      (query.probe === undefined || probeOf(a) === query.probe || a.requests.some((r) => r.probe === query.probe));
    const found = all.filter(matches);
    return (query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit))).map((a) => toAttempt(a, probeOf(a)));
  }

  /**
   * Opens probe window `probe` on listener `id`: connections and DNS queries arriving until `endProbe` belong to it
   * (unless `windowKeeps` says otherwise; `options.requestsNamed`: the probe's requests name it, see `WindowOptions`).
   * @returns false for a listener the farm does not run.
   * @throws Error for a probe id that is not 1–128 characters of `A-Z a-z 0-9 . _ ~ : -`.
   */
  beginProbe(id: string, probe: string, options: WindowOptions = {}): boolean {
    if (!isProbeId(probe)) throw new Error(`bad probe id ${JSON.stringify(probe)}: 1 to 128 characters of A-Z a-z 0-9 . _ ~ : -`);
    if (!this.ids.has(id)) return false;
    this.windows.begin(id, probe, options);
    return true;
  }

  /** Closes probe window `probe` of listener `id`; false when none was open. Attempts keep their probe. */
  endProbe(id: string, probe: string): boolean {
    return this.windows.end(id, probe);
  }

  private record(event: ListenerEvent): void {
    const kept = this.listeners.get(event.listener);
    if (!kept || event.connection === undefined) return;
    if (event.type === 'connection' || event.dns) return void kept.add(this.fresh(event, event.connection));
    const attempt = kept.get(event.connection);
    if (!attempt) return;
    attempt.lastAt = event.time;
    kept.grow(attempt, this.apply(attempt, event));
  }

  /** Applies one event to its attempt; returns the bytes of text it added. */
  private apply(attempt: StoredAttempt, event: ListenerEvent): number {
    switch (event.type) {
      case 'client-hello':
        return event.clientHello ? setClientHello(attempt, event.clientHello, event.time) : 0;
      case 'server-hello':
        return event.serverHello ? setServerHello(attempt, { at: event.time, ...event.serverHello }) : 0;
      case 'request':
        return this.request(attempt, event);
      case 'response':
        return event.response ? addResponse(attempt, { at: event.time, ...event.response }) : 0;
      case 'fault':
        return addAction(attempt, event.time, event.detail ?? 'fault', undefined, event.alert);
      case 'behaviour':
        if (event.behaviour) attempt.behaviour = event.behaviour;
        if (event.detail === undefined) return 0;
        attempt.behaviourDetail = event.detail;
        return event.detail.length;
      case 'tls-error':
      case 'handler-error':
        return addAction(attempt, event.time, event.error ?? 'unknown', event.type);
      case 'close':
        attempt.closedAt = event.time;
        if (event.by !== undefined) attempt.closedBy = event.by;
        if (event.bytesIn !== undefined) attempt.bytesIn = event.bytesIn;
        if (event.bytesOut !== undefined) attempt.bytesOut = event.bytesOut;
        return 0;
      default:
        return 0;
    }
  }

  private request(attempt: StoredAttempt, event: ListenerEvent): number {
    const headers = event.headers ?? [];
    const target = event.target ?? '';
    const probe = probeOfRequest(target, headers);
    if (probe !== undefined && !attempt.probeFromRequest) Object.assign(attempt, { probe: detached(probe), probeFromRequest: true });
    if (probe === undefined) {
      attempt.unnamedRequests += 1;
      attempt.allHealthChecks &&= isHealthCheck(target);
    }
    return addRequest(attempt, { at: event.time, method: event.method ?? '', target, headers, ...(probe === undefined ? {} : { probe }) });
  }

  /** A new attempt for the first event of connection (or DNS query) `connection`. */
  private fresh(event: ListenerEvent, connection: number): StoredAttempt {
    const window = this.windows.current(event.listener);
    const attempt: StoredAttempt = {
      connection,
      listener: event.listener,
      startedAt: event.time,
      peer: event.peer ?? '',
      requests: [],
      actions: [],
      probeFromRequest: false,
      unnamedRequests: 0,
      allHealthChecks: true,
      windowRequestsNamed: window?.requestsNamed === true,
      lastAt: event.time,
      textBytes: 0,
      ...(window === undefined ? {} : { probe: window.probe }),
    };
    if (event.dns) attempt.dns = { at: event.time, ...event.dns };
    return attempt;
  }
}
