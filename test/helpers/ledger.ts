import type { Farm } from '../../src/farm.js';
import type { ListenerEvent } from '../../src/listeners/index.js';

/**
 * Resolves once listener `id` has reported `count` events matching `predicate` (start it before the traffic that
 * causes them); rejects after `timeoutMs` with how many came.
 */
export function events(
  farm: Farm,
  id: string,
  count: number,
  predicate: (e: ListenerEvent) => boolean,
  timeoutMs = 10_000,
): Promise<ListenerEvent[]> {
  return new Promise((resolve, reject) => {
    const seen: ListenerEvent[] = [];
    const onEvent = (event: ListenerEvent) => {
      if (event.listener !== id || !predicate(event)) return;
      seen.push(event);
      if (seen.length < count) return;
      clearTimeout(timer);
      farm.events.off('event', onEvent);
      resolve(seen);
    };
    const timer = setTimeout(() => {
      farm.events.off('event', onEvent);
      reject(new Error(`${seen.length} of ${count} matching events on ${id} within ${timeoutMs} ms`));
    }, timeoutMs);
    farm.events.on('event', onEvent);
  });
}

/** `count` close events of listener `id` (see `events`). */
export const closes = (farm: Farm, id: string, count: number, timeoutMs?: number) =>
  events(farm, id, count, (e) => e.type === 'close', timeoutMs);

/** A request to the farm's control API: status and parsed JSON body. */
export async function control(farm: Farm, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${farm.control!.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, json: await response.json() };
}
