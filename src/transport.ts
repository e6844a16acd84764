/**
 * How a client reaches a listener, as the manifest's `transport` field says: raw TCP, TLS, HTTP/1.1 over TCP,
 * HTTPS, or DNS over UDP and TCP. The listeners declare it and the manifest and the reference command lines read
 * it, so it lives below both.
 */
export type Transport = 'tcp' | 'tls' | 'http' | 'https' | 'dns';

/** Whether a client reaches a listener of `transport` over TLS (`tls`, `https`). */
export function isTlsTransport(transport: Transport): boolean {
  return transport === 'tls' || transport === 'https';
}
