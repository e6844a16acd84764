import type { ListenerEvent } from '../mechanism.js';

/** Longest request target and header value a `request` event carries, in characters; longer ones are clipped with `…`. */
export const MAX_EVENT_VALUE_CHARS = 2048;
/** Longest header name a `request` event carries, in characters. */
export const MAX_EVENT_NAME_CHARS = 256;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** node:http's flat `rawHeaders` (name, value, name, value…) as at most `max` pairs. */
export function rawHeaderPairs(raw: string[], max: number): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length && pairs.length < max; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

/**
 * The `request` event of one HTTP request head: `detail` (`METHOD target`, the target clipped at 200 characters as
 * the event log shows it), `method`, `target` and `headers` (in order, names lower-cased). Bounded whatever the
 * client sent: at most `maxHeaders` fields (the farm's `--max-headers`), names clipped at MAX_EVENT_NAME_CHARS and
 * target and values at MAX_EVENT_VALUE_CHARS.
 */
export function requestEvent(
  method: string,
  target: string,
  headers: [string, string][],
  maxHeaders: number,
): Omit<ListenerEvent, 'listener' | 'time'> {
  return {
    type: 'request',
    detail: `${method} ${clip(target, 200)}`,
    method: clip(method, MAX_EVENT_NAME_CHARS),
    target: clip(target, MAX_EVENT_VALUE_CHARS),
    headers: headers
      .slice(0, maxHeaders)
      .map(([name, value]) => [clip(name.toLowerCase(), MAX_EVENT_NAME_CHARS), clip(value, MAX_EVENT_VALUE_CHARS)]),
  };
}
