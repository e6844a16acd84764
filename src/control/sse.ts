import type { EventEmitter } from 'node:events';
import type { Response } from 'express';
import type { ListenerEvent } from '../listeners/index.js';
import type { ListenerStats } from '../monitor.js';

/** A subscriber whose unsent output passes this many bytes is too slow: it is dropped, never buffered further. */
export const SSE_MAX_BUFFER_BYTES = 256 * 1024;
const KEEPALIVE_MS = 15_000;

/**
 * Streams listener events to one client as server-sent events (`event: listener-event`, data
 * `{"event": …, "stats": …}` with the listener's counters after that event), optionally only one listener's, after
 * replaying `replay`. Memory per client is bounded by SSE_MAX_BUFFER_BYTES: a consumer that
 * does not keep up is disconnected (it can reconnect and replay), so a flood of connections cannot grow the farm.
 */
export function streamEvents(
  response: Response,
  events: EventEmitter<{ event: [ListenerEvent] }>,
  filter: string | undefined,
  replay: ListenerEvent[],
  statsOf: (id: string) => ListenerStats | undefined,
): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  response.write('retry: 2000\n\n');
  const send = (event: ListenerEvent) => {
    if (filter && event.listener !== filter) return;
    if (response.writableLength > SSE_MAX_BUFFER_BYTES) return stop(true);
    response.write(`event: listener-event\ndata: ${JSON.stringify({ event, stats: statsOf(event.listener) })}\n\n`);
  };
  const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
  let stopped = false;
  const stop = (drop = false) => {
    if (stopped) return;
    stopped = true;
    clearInterval(keepalive);
    events.off('event', send);
    if (drop) response.destroy();
  };
  for (const event of replay) send(event);
  events.on('event', send);
  response.on('close', () => stop());
}
