import type { ClientHelloSummary, ListenerEvent } from '../listeners/index.js';

/** Longest string of an event the dashboard's connection book keeps (SNI, ALPN protocol, detail, error), in characters. */
export const KEPT_STRING_CHARS = 512;
/** Most ALPN protocols and cipher suites kept of one ClientHello. */
const KEPT_LIST_ITEMS = 64;

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

/**
 * A copy of `event` whose strings are at most KEPT_STRING_CHARS long and whose ClientHello lists hold at most 64
 * items, so a client sending a 16 KB SNI costs the book no more than one sending `localhost`.
 */
export function boundedEvent(event: ListenerEvent): ListenerEvent {
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
