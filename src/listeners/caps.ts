import type { Socket } from 'node:net';
import { flagName } from '../options/spec.js';
import type { CapFaultReporter, ConnectionBudget } from './connection-budget.js';

/** Per-listener limits: a fault farm must be more robust than what it tests. */
export interface ListenerCaps {
  /** Concurrent connections per listener (never more than the farm-wide `--max-open-connections`). */
  maxConnections: number;
  /** Longest a connection may stay open, in ms (stalling scenarios hold connections by design). */
  maxHoldMs: number;
  /**
   * Longest a client may take to send a complete request head, in ms: from the end of the TLS handshake (or the
   * accept) and from the end of each response on a kept-alive connection. Applied by every mechanism that reads
   * requests (not by this class); the connection is then closed and a `fault` event names `--head-timeout-ms`.
   */
  headTimeoutMs: number;
  /**
   * Longest a client may take from the accept to a completed TLS handshake (or, on listeners that only read the
   * ClientHello, to its complete record), in ms. Applied by the TLS mechanisms and the `-tls` variants; the
   * connection is then closed and a `fault` event names `--handshake-timeout-ms`.
   */
  handshakeTimeoutMs: number;
  /**
   * Largest request head a listener reads (request line, header fields, the empty line), in bytes; a larger one
   * gets 400 (http-fault) or 431 (node:http, the `ok` responder) and a close. Applied by the mechanisms that read
   * HTTP requests, not by this class.
   */
  maxHeaderBytes: number;
  /** Most header fields in a request; more get 400 (http-fault) or 431 and a close. */
  maxHeaders: number;
}

/** The farm's default `--max-hold-ms`: 10 minutes. */
export const DEFAULT_MAX_HOLD_MS = 600_000;

/**
 * Cap of every delay or interval a scenario or a request may ask for, in ms: the default hold, past which the farm
 * closes the connection anyway.
 */
export const MAX_DELAY_MS = DEFAULT_MAX_HOLD_MS;

/**
 * Defaults: 20,000 connections per listener (a farm lowers it to nine tenths of its farm-wide budget), nothing held
 * longer than 10 minutes, request heads of at most 32 KiB and 100 fields (nginx's large_client_header_buffers default
 * is 4 × 8 KiB), 10 s for a request head and 10 s for a TLS handshake. nginx waits 60 s for each (client_header_timeout, and
 * ssl_handshake_timeout since 1.25.3); HAProxy's configuration manual (`timeout http-request`) finds a few seconds
 * enough, plus 3 s for TCP retransmits, since clients send the whole request at once, as a CDN's origin connection does.
 */
export const DEFAULT_CAPS: ListenerCaps = {
  maxConnections: 20_000,
  maxHoldMs: DEFAULT_MAX_HOLD_MS,
  headTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxHeaderBytes: 32 * 1024,
  maxHeaders: 100,
};

/** The farm flag that sets a cap (`maxHoldMs` → `--max-hold-ms`): cap events name it. */
export const capFlag = (cap: keyof ListenerCaps): string => `--${flagName(cap)}`;

/** The `fault` event of a request head not complete within `--head-timeout-ms` (`ms`). */
export const headTimeoutDetail = (ms: number): string =>
  `cap: no complete request head within ${ms} ms, closed (${capFlag('headTimeoutMs')})`;

/** The `fault` event of a TLS handshake (or ClientHello record) not complete within `--handshake-timeout-ms` (`ms`). */
export const handshakeTimeoutDetail = (ms: number): string =>
  `cap: no complete TLS handshake within ${ms} ms, closed (${capFlag('handshakeTimeoutMs')})`;

/** The `fault` event of a connection past `--max-connections` (`limit`), reset at once. */
export const maxConnectionsDetail = (limit: number): string =>
  `cap: ${limit} connections open, reset a new one (${capFlag('maxConnections')})`;

/** The `fault` event of a connection still open after `--max-hold-ms` (`ms`), closed by the farm. */
export const holdDetail = (ms: number): string => `cap: held ${ms} ms, closed by the farm (${capFlag('maxHoldMs')})`;

/** What admits the connections of one port: its open sockets, its caps, the farm-wide budget and its cap reporter. */
export interface Admission {
  readonly sockets: Set<Socket>;
  readonly caps: Pick<ListenerCaps, 'maxConnections' | 'maxHoldMs'>;
  readonly budget: ConnectionBudget;
  readonly capFaults: CapFaultReporter;
}

/**
 * Admits a newly accepted connection, or resets it at once (RST) and reports the cap it hit, rate-limited: the
 * farm-wide budget first (when `--max-connections` is clamped to it, the flag to name is the budget's), then the
 * port's `maxConnections`. An admitted connection holds a budget slot and a place in `sockets` until it closes, and
 * is destroyed after `maxHoldMs` with `onHeld(detail)` called first.
 * @returns true when the connection was admitted.
 */
export function admitConnection(socket: Socket, admission: Admission, onHeld: (detail: string) => void): boolean {
  const { sockets, caps, budget, capFaults } = admission;
  const release = budget.acquire();
  if (!release || sockets.size >= caps.maxConnections) {
    release?.();
    capFaults.report(release ? maxConnectionsDetail(caps.maxConnections) : budget.exhaustedDetail);
    socket.resetAndDestroy();
    return false;
  }
  sockets.add(socket);
  const hold = setTimeout(() => {
    onHeld(holdDetail(caps.maxHoldMs));
    socket.destroy();
  }, caps.maxHoldMs);
  hold.unref();
  socket.once('close', () => {
    clearTimeout(hold);
    release();
    sockets.delete(socket);
  });
  return true;
}
