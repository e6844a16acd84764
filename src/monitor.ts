import type { EventEmitter } from 'node:events';
import type { ClientHelloSummary, ListenerEvent } from './listeners/index.js';

/**
 * What the newest connection (or DNS query) of a listener came to, as far as the farm saw it: `waiting` before any,
 * `hit` once one arrived, `error` once that one carried a `fault`, `tls-error` or `handler-error` event.
 */
export type ListenerOutcome = 'waiting' | 'hit' | 'error';

/** Event types that mean the listener's fault (or a failure) showed on the newest connection. */
const ERROR_EVENTS: ReadonlySet<ListenerEvent['type']> = new Set(['fault', 'tls-error', 'handler-error']);

/** Live figures of one listener. */
export interface ListenerStats {
  id: string;
  /** TCP connections accepted since start or the last reset. */
  connections: number;
  /** Requests (HTTP requests, DNS queries) the listener reported since start or the last reset. */
  requests: number;
  /** TCP connections open now. */
  open: number;
  lastEvent: ListenerEvent | null;
  lastClientHello: ClientHelloSummary | null;
  /** The newest connection's outcome (see `ListenerOutcome`). */
  outcome: ListenerOutcome;
}

/** Most events kept for late subscribers (`recent`, the control API's `/events` replay). */
export const RECENT_EVENTS = 1000;

/**
 * Follows a farm's event stream: per-listener counters, the last event and the last ClientHello of each listener,
 * a bounded ring of recent events (memory stays flat however many connections arrive), and `waitFor` for tests.
 */
export class FarmMonitor {
  private readonly stats = new Map<string, ListenerStats>();
  private readonly ring: ListenerEvent[] = [];

  constructor(
    private readonly events: EventEmitter<{ event: [ListenerEvent] }>,
    ids: string[],
  ) {
    for (const id of ids) this.add(id);
    events.on('event', (event) => this.record(event));
  }

  /** Starts following listener `id` (one added while the farm runs), with its counters at zero. */
  add(id: string): void {
    this.stats.set(id, { id, connections: 0, requests: 0, open: 0, lastEvent: null, lastClientHello: null, outcome: 'waiting' });
  }

  /** Stops following listener `id` (removed while the farm runs); its events stay in `recent` until pushed out. */
  remove(id: string): void {
    this.stats.delete(id);
  }

  /** Stats of every listener, in manifest order. */
  all(): ListenerStats[] {
    return [...this.stats.values()];
  }

  /** Stats of one listener, or undefined for an unknown id. */
  get(id: string): ListenerStats | undefined {
    return this.stats.get(id);
  }

  /** The most recent events (at most RECENT_EVENTS), oldest first, optionally of one listener. */
  recent(listener?: string): ListenerEvent[] {
    return listener ? this.ring.filter((e) => e.listener === listener) : [...this.ring];
  }

  /**
   * Resolves with the next event of listener `id` for which `predicate` is true. Start waiting before you make the
   * request that causes it. @throws Error (rejects) after `timeoutMs` without such an event.
   */
  waitFor(id: string, predicate: (event: ListenerEvent) => boolean = () => true, timeoutMs = 5000): Promise<ListenerEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (event: ListenerEvent) => {
        if (event.listener !== id || !predicate(event)) return;
        clearTimeout(timer);
        this.events.off('event', onEvent);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.events.off('event', onEvent);
        reject(new Error(`no matching event on ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('event', onEvent);
    });
  }

  /** Clears one listener's counters (its behaviour's own state is reset by the farm). */
  resetStats(id: string): void {
    const stats = this.stats.get(id);
    if (stats) Object.assign(stats, { connections: 0, requests: 0, lastEvent: null, lastClientHello: null, outcome: 'waiting' });
  }

  private record(event: ListenerEvent): void {
    this.ring.push(event);
    if (this.ring.length > RECENT_EVENTS) this.ring.shift();
    const stats = this.stats.get(event.listener);
    if (!stats) return;
    stats.lastEvent = event;
    if (event.type === 'connection') {
      stats.connections++;
      if (event.connection !== undefined) stats.open++;
    }
    if (event.type === 'request') stats.requests++;
    if (event.type === 'close') stats.open = Math.max(0, stats.open - 1);
    if (event.clientHello) stats.lastClientHello = event.clientHello;
    if (event.type === 'connection') stats.outcome = 'hit';
    else if (ERROR_EVENTS.has(event.type)) stats.outcome = 'error';
    // A request outside any open connection is an exchange of its own (a DNS query over UDP).
    else if (event.type === 'request' && (stats.outcome === 'waiting' || stats.open === 0)) stats.outcome = 'hit';
  }
}
