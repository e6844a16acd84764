import type { EventEmitter } from 'node:events';
import type { ListenerEvent } from '../listeners/index.js';
import { boundedEvent, eventBytes } from './bounded-event.js';

/** Most connections kept per listener (the newest). */
export const BOOK_CONNECTIONS_PER_LISTENER = 50;
/** Most bytes (estimated) of events kept per connection; later events are counted in `dropped`, the close is always kept. */
export const BOOK_BYTES_PER_CONNECTION = 8 * 1024;
/**
 * How long after a connection closed an event without a connection number still belongs to it, in ms: Node reports
 * a client's alert or reset on a TLS connection (`tls-error`) after the socket's close.
 */
const LATE_EVENT_MS = 250;

/**
 * The events the farm saw of one TCP connection of a listener, oldest first (or, with `connection` null, of one
 * exchange outside any connection: a DNS query over UDP, a refused connection).
 */
export interface BookedConnection {
  /** Farm-wide connection number, null for an exchange outside any TCP connection. */
  connection: number | null;
  listener: string;
  /** Time of the first event, ms since the epoch. */
  startedAt: number;
  /** Set once the `close` event arrived. */
  closed: boolean;
  events: ListenerEvent[];
  /** Events left out to keep this record within BOOK_BYTES_PER_CONNECTION. */
  dropped: number;
  /**
   * True when an event without a connection number was placed here while another connection of the listener was
   * open too (it went to the newest open one): the listeners report only accept and close with the number.
   */
  inferred: boolean;
}

interface Booked extends BookedConnection {
  bytes: number;
}

/**
 * The newest BOOK_CONNECTIONS_PER_LISTENER connections of every listener, each with its events, built from the farm's
 * event stream for the dashboard's diagrams. Memory is bounded: at most BOOK_CONNECTIONS_PER_LISTENER ×
 * BOOK_BYTES_PER_CONNECTION (about 400 KB) per listener, strings of an event clipped (see `boundedEvent`).
 * Events a listener reports without a connection number (ClientHello, fault, request, TLS error) go to its newest open
 * connection, or to the one that closed within LATE_EVENT_MS, or else make an exchange of their own.
 */
export class ConnectionBook {
  private readonly byListener = new Map<string, Booked[]>();
  private readonly onEvent = (event: ListenerEvent) => this.record(event);

  constructor(private readonly events: EventEmitter<{ event: [ListenerEvent] }>) {
    events.on('event', this.onEvent);
  }

  /** Stops following the event stream. */
  close(): void {
    this.events.off('event', this.onEvent);
  }

  /** Listener `id`'s kept connections, oldest first, as copies (`limit`: only the newest that many). */
  connections(id: string, limit = BOOK_CONNECTIONS_PER_LISTENER): BookedConnection[] {
    const list = this.byListener.get(id) ?? [];
    return list.slice(Math.max(0, list.length - limit)).map(({ bytes: _bytes, events, ...rest }) => ({ ...rest, events: [...events] }));
  }

  /** The highest connection number booked for listener `id` so far (0 before any). */
  newestConnection(id: string): number {
    const list = this.byListener.get(id) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.connection !== null) return list[i]!.connection!;
    return 0;
  }

  /** Forgets listener `id`'s connections (its counters were reset). */
  forget(id: string): void {
    this.byListener.delete(id);
  }

  private record(raw: ListenerEvent): void {
    const event = boundedEvent(raw);
    let list = this.byListener.get(event.listener);
    if (!list) this.byListener.set(event.listener, (list = []));
    if (event.type === 'connection' && event.connection !== undefined) return this.open(list, event);
    const target = this.owner(list, event);
    if (!target) return this.open(list, event);
    const bytes = eventBytes(event);
    if (event.type !== 'close' && target.bytes + bytes > BOOK_BYTES_PER_CONNECTION) {
      target.dropped++;
    } else {
      target.events.push(event);
      target.bytes += bytes;
    }
    if (event.type === 'close') target.closed = true;
  }

  /** The connection an event belongs to, or undefined when it starts an exchange of its own. */
  private owner(list: Booked[], event: ListenerEvent): Booked | undefined {
    if (event.connection !== undefined) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.connection === event.connection) return list[i];
      return undefined;
    }
    const open = list.filter((c) => c.connection !== null && !c.closed);
    if (open.length > 0) {
      const newest = open[open.length - 1]!;
      if (open.length > 1) newest.inferred = true;
      return newest;
    }
    const last = list[list.length - 1];
    if (last && last.connection !== null && event.time - lastTime(last) <= LATE_EVENT_MS) return last;
    return undefined;
  }

  private open(list: Booked[], event: ListenerEvent): void {
    const connection = event.connection ?? null;
    list.push({ connection, listener: event.listener, startedAt: event.time, closed: event.type !== 'connection', events: [event], dropped: 0, inferred: false, bytes: eventBytes(event) });
    if (list.length > BOOK_CONNECTIONS_PER_LISTENER) list.shift();
  }
}

function lastTime(connection: Booked): number {
  return connection.events[connection.events.length - 1]!.time;
}
