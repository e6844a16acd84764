import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ListenerEvent } from '../listeners/index.js';
import type { ListenerStats } from '../monitor.js';
import { EventFrames } from './event-frames.js';
import { sendError } from './json-error.js';

/** A subscriber whose unsent output passes this many bytes is too slow: it is dropped, never buffered further. */
export const SSE_MAX_BUFFER_BYTES = 256 * 1024;
/** Most event-stream subscribers at once; one more gets 503 with Retry-After. */
export const SSE_MAX_SUBSCRIBERS = 64;
/** A replay sends the newest events that fit in this many bytes, leaving half the buffer bound for live events. */
export const SSE_REPLAY_MAX_BYTES = SSE_MAX_BUFFER_BYTES / 2;
/** Seconds a refused subscriber is told to wait (Retry-After), and the reconnection delay sent to accepted ones. */
const RETRY_AFTER_S = 2;
const KEEPALIVE_MS = 15_000;

interface Subscriber {
  response: ServerResponse;
  filter: string | undefined;
  /** Frames of this turn of the event loop, written together (one syscall) when it ends, and their size in bytes. */
  pending: Buffer[];
  pendingBytes: number;
}

/**
 * The control API's event stream (server-sent events, WHATWG HTML §9.2): one handler on the farm's event emitter
 * serialises each event once and writes the same bytes to every subscriber that wants it. Bounds: at most
 * SSE_MAX_SUBSCRIBERS subscribers (503 beyond), at most SSE_MAX_BUFFER_BYTES unsent per subscriber (a slower one is
 * disconnected and may reconnect), a replay of at most SSE_REPLAY_MAX_BYTES, and frames kept for replay bounded by
 * SSE_MAX_BUFFER_BYTES in total; so neither many nor slow subscribers can grow the farm.
 */
export class EventStream {
  private readonly subscribers = new Set<Subscriber>();
  private readonly frames = new EventFrames(SSE_MAX_BUFFER_BYTES);
  private readonly keepalive: NodeJS.Timeout;
  private readonly onEvent = (event: ListenerEvent) => this.broadcast(event);
  private flushScheduled = false;

  /**
   * @param events the farm's event emitter (its handler is added here and removed by `close`).
   * @param statsOf a listener's counters, read right after each event (the monitor must be subscribed first).
   */
  constructor(
    private readonly events: EventEmitter<{ event: [ListenerEvent] }>,
    private readonly statsOf: (id: string) => ListenerStats | undefined,
  ) {
    events.on('event', this.onEvent);
    this.keepalive = setInterval(() => {
      for (const subscriber of this.subscribers) this.write(subscriber, ': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Subscribers connected now. */
  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Answers one `GET /events`: 503 (JSON error, Retry-After) when SSE_MAX_SUBSCRIBERS are connected; otherwise a
   * `text/event-stream` of the events of listener `filter` (all when undefined), after the newest recorded ones
   * when `replay` is true.
   */
  subscribe(response: ServerResponse, filter: string | undefined, replay: boolean): void {
    if (this.subscribers.size >= SSE_MAX_SUBSCRIBERS) {
      response.setHeader('retry-after', String(RETRY_AFTER_S));
      return sendError(response, 503, `the event stream has its maximum of ${SSE_MAX_SUBSCRIBERS} subscribers; retry later`);
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(`retry: ${RETRY_AFTER_S * 1000}\n\n`);
    if (replay) {
      const recent = this.frames.newest(SSE_REPLAY_MAX_BYTES, filter);
      if (recent.length > 0) response.write(recent);
    }
    // A client gone before this point has already had its 'close': registering it now would keep it forever.
    if (response.destroyed || !response.socket || response.socket.destroyed) return;
    const subscriber: Subscriber = { response, filter, pending: [], pendingBytes: 0 };
    this.subscribers.add(subscriber);
    response.on('close', () => this.subscribers.delete(subscriber));
  }

  /** Removes the handler from the farm's event emitter and disconnects every subscriber. */
  close(): void {
    clearInterval(this.keepalive);
    this.events.off('event', this.onEvent);
    for (const { response } of this.subscribers) response.destroy();
    this.subscribers.clear();
  }

  private broadcast(event: ListenerEvent): void {
    const entry = this.frames.add(event, this.statsOf(event.listener));
    let frame: Buffer | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.filter && subscriber.filter !== event.listener) continue;
      frame ??= this.frames.frame(entry);
      subscriber.pending.push(frame);
      subscriber.pendingBytes += frame.length;
      if (subscriber.pendingBytes + subscriber.response.writableLength > SSE_MAX_BUFFER_BYTES) this.drop(subscriber);
    }
    if (frame && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes each subscriber's pending frames at once: under load many events share one syscall per subscriber. */
  private flush(): void {
    this.flushScheduled = false;
    for (const subscriber of this.subscribers) {
      if (subscriber.pending.length === 0) continue;
      const chunk = subscriber.pending.length === 1 ? subscriber.pending[0]! : Buffer.concat(subscriber.pending);
      subscriber.pending = [];
      subscriber.pendingBytes = 0;
      this.write(subscriber, chunk);
    }
  }

  private write(subscriber: Subscriber, chunk: Buffer | string): void {
    if (subscriber.response.writableLength > SSE_MAX_BUFFER_BYTES) return this.drop(subscriber);
    subscriber.response.write(chunk);
  }

  private drop(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    subscriber.pending = [];
    subscriber.response.destroy();
  }
}
