import type { ClientHelloSummary, ListenerEvent } from '../listeners/index.js';

/** Longest string of an event the dashboard's connection book keeps (SNI, ALPN protocol, detail, error), in characters. */
export const KEPT_STRING_CHARS = 512;
/** Most ALPN protocols and cipher suites kept of one ClientHello (real clients offer fewer than 100 suites). */
const KEPT_LIST_ITEMS = 128;

/** `text` cut to KEPT_STRING_CHARS, with `…` and the full length appended when cut. */
function clip(text: string): string {
  return text.length <= KEPT_STRING_CHARS ? text : `${text.slice(0, KEPT_STRING_CHARS)}… (${text.length} characters)`;
}

function clipHello(hello: ClientHelloSummary): ClientHelloSummary {
  return {
    ...hello,
    sni: hello.sni === null ? null : clip(hello.sni),
    alpn: hello.alpn.slice(0, KEPT_LIST_ITEMS).map(clip),
    cipherSuites: hello.cipherSuites.slice(0, KEPT_LIST_ITEMS),
    ja3: clip(hello.ja3),
  };
}

const long = (text: string | null | undefined) => text !== undefined && text !== null && text.length > KEPT_STRING_CHARS;

/** True when an event has a string or a ClientHello list past the bounds `boundedEvent` keeps. */
function oversized(event: ListenerEvent): boolean {
  const hello = event.clientHello;
  if (long(event.detail) || long(event.error) || long(event.peer)) return true;
  return hello !== undefined && (long(hello.sni) || long(hello.ja3) || hello.alpn.length > KEPT_LIST_ITEMS || hello.cipherSuites.length > KEPT_LIST_ITEMS || hello.alpn.some(long));
}

/**
 * `event` itself when it is within bounds, else a copy whose strings are at most KEPT_STRING_CHARS long and whose
 * ClientHello lists hold at most 128 items, so a client sending a 16 KB SNI costs the book no more than one sending
 * `localhost`. Events are never modified.
 */
export function boundedEvent(event: ListenerEvent): ListenerEvent {
  if (!oversized(event)) return event;
  const copy: ListenerEvent = { ...event };
  if (copy.detail !== undefined) copy.detail = clip(copy.detail);
  if (copy.error !== undefined) copy.error = clip(copy.error);
  if (copy.peer !== undefined) copy.peer = clip(copy.peer);
  if (copy.clientHello) copy.clientHello = clipHello(copy.clientHello);
  return copy;
}

/** An estimate of the bytes an event (bounded by `boundedEvent`) takes in memory and as JSON, without serialising it. */
export function eventBytes(event: ListenerEvent): number {
  let bytes = 160 + (event.detail?.length ?? 0) + (event.error?.length ?? 0) + (event.peer?.length ?? 0);
  const hello = event.clientHello;
  if (hello) bytes += 120 + (hello.sni?.length ?? 0) + hello.ja3.length + hello.alpn.reduce((n, p) => n + p.length + 4, 0) + hello.cipherSuites.length * 6;
  return bytes;
}
