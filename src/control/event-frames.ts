import type { ListenerEvent } from '../listeners/index.js';
import { RECENT_EVENTS, type ListenerStats } from '../monitor.js';

/** One event as the event stream sends it, with the listener's counters as they were right after it. */
interface Entry {
  listener: string;
  event: ListenerEvent;
  stats: ListenerStats | undefined;
  /** The serialised server-sent event, made on first use and shared by every subscriber. */
  frame?: Buffer;
}

/**
 * The last RECENT_EVENTS events and their server-sent-event frames (`event: listener-event`, data
 * `{"event": …, "stats": …}`; WHATWG HTML §9.2 "Server-sent events"). Each event is serialised at most once,
 * and only when a subscriber or a replay needs it, so a farm nobody watches pays no JSON cost per request.
 * Cached frames are bounded to `cacheBytes` in total (the oldest are dropped first and re-made on demand).
 */
export class EventFrames {
  private readonly ring: Entry[] = [];
  private readonly cached: Entry[] = [];
  private cachedBytes = 0;

  /** @param cacheBytes most bytes of frames kept serialised (a frame larger than this is still served, not kept). */
  constructor(private readonly cacheBytes: number) {}

  /** Records an event with a snapshot of its listener's counters; returns its entry for `frame`. */
  add(event: ListenerEvent, stats: ListenerStats | undefined): Entry {
    const entry: Entry = { listener: event.listener, event, stats: stats && { ...stats } };
    this.ring.push(entry);
    if (this.ring.length > RECENT_EVENTS) this.ring.shift();
    return entry;
  }

  /** The entry's frame (bytes), serialising it on first use. */
  frame(entry: Entry): Buffer {
    if (entry.frame) return entry.frame;
    const frame = Buffer.from(`event: listener-event\ndata: ${JSON.stringify({ event: entry.event, stats: entry.stats })}\n\n`);
    if (frame.length <= this.cacheBytes) {
      entry.frame = frame;
      this.cached.push(entry);
      this.cachedBytes += frame.length;
      while (this.cachedBytes > this.cacheBytes) {
        const old = this.cached.shift()!;
        this.cachedBytes -= old.frame!.length;
        delete old.frame;
      }
    }
    return frame;
  }

  /**
   * The newest recorded frames (of listener `filter` only, when given) whose total size is at most `budget` bytes,
   * joined oldest first; an empty buffer when there are none. Cost is bounded by `budget`, not by the ring.
   */
  newest(budget: number, filter: string | undefined): Buffer {
    const picked: Buffer[] = [];
    let bytes = 0;
    for (let i = this.ring.length - 1; i >= 0; i--) {
      const entry = this.ring[i]!;
      if (filter && entry.listener !== filter) continue;
      const frame = this.frame(entry);
      if (bytes + frame.length > budget) break;
      picked.push(frame);
      bytes += frame.length;
    }
    return Buffer.concat(picked.reverse(), bytes);
  }
}
