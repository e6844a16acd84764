import { createServer, type Server, type Socket } from 'node:net';
import { runAsListener } from '../containment.js';
import { FarmError } from '../errors.js';
import { CapFaultReporter, ConnectionBudget } from './connection-budget.js';
import type { ConnectionHandler, ListenerEvent, PortOwner } from './mechanism.js';

/** Farm-wide connection numbers, for the event log. */
let nextConnection = 1;

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

/**
 * Defaults: 20,000 connections per listener (a farm lowers it to nine tenths of its farm-wide budget), nothing held
 * longer than 10 minutes, request heads of at most 32 KiB and 100 fields (nginx's large_client_header_buffers default
 * is 4 × 8 KiB), 10 s for a request head and 10 s for a TLS handshake. nginx waits 60 s for each (client_header_timeout, and
 * ssl_handshake_timeout since 1.25.3); HAProxy's configuration manual (`timeout http-request`) finds a few seconds
 * enough, plus 3 s for TCP retransmits, since clients send the whole request at once, as a CDN's origin connection does.
 */
export const DEFAULT_CAPS: ListenerCaps = {
  maxConnections: 20_000,
  maxHoldMs: 600_000,
  headTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxHeaderBytes: 32 * 1024,
  maxHeaders: 100,
};

/** The `fault` event of a request head not complete within `--head-timeout-ms` (`ms`). */
export const headTimeoutDetail = (ms: number): string => `cap: no complete request head within ${ms} ms, closed (--head-timeout-ms)`;

/** The `fault` event of a TLS handshake (or ClientHello record) not complete within `--handshake-timeout-ms` (`ms`). */
export const handshakeTimeoutDetail = (ms: number): string => `cap: no complete TLS handshake within ${ms} ms, closed (--handshake-timeout-ms)`;

/**
 * One TCP port of the farm: accepts connections and hands each to its scenario's handler, keeps track of them so
 * `close()` ends every one, and contains failures: a socket error or an exception thrown by the handler is reported
 * as an event and ends that connection only, never the process or another listener.
 */
export class BoundListener implements PortOwner {
  readonly id: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  /**
   * @param caps.maxConnections concurrent connections; one more is reset at once and reported as a `fault` event.
   * @param caps.maxHoldMs a connection still open after this long is closed by the farm (a `fault` event says so).
   * @param budget the farm-wide connection budget; a connection past it is reset at once and reported the same way.
   *   Default: a budget of this listener's own (`caps.maxConnections`), for a listener outside a farm.
   */
  constructor(
    id: string,
    handler: ConnectionHandler,
    emit: (event: Omit<ListenerEvent, 'listener' | 'time'>) => void,
    caps: ListenerCaps = DEFAULT_CAPS,
    budget: ConnectionBudget = new ConnectionBudget(caps.maxConnections),
  ) {
    this.id = id;
    const capFaults = new CapFaultReporter(emit);
    this.server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      // The farm-wide budget first: when --max-connections is clamped to it, the flag to name is the budget's.
      const release = budget.acquire();
      if (!release || this.sockets.size >= caps.maxConnections) {
        release?.();
        capFaults.report(
          release
            ? `cap: ${caps.maxConnections} connections open, reset a new one (--max-connections)`
            : budget.exhaustedDetail,
        );
        socket.resetAndDestroy();
        return;
      }
      const connection = nextConnection++;
      const opened = performance.now();
      // Who ended first: the peer's FIN ('end') before ours ('finish') means the client; a reset or error, 'error'.
      let first: 'client' | 'farm' | undefined;
      socket.once('end', () => (first ??= 'client'));
      socket.once('finish', () => (first ??= 'farm'));
      this.sockets.add(socket);
      const hold = setTimeout(() => {
        emit({ type: 'fault', connection, detail: `cap: held ${caps.maxHoldMs} ms, closed by the farm (--max-hold-ms)` });
        socket.destroy();
      }, caps.maxHoldMs);
      hold.unref();
      socket.on('close', (hadError) => {
        clearTimeout(hold);
        release();
        this.sockets.delete(socket);
        emit({
          type: 'close',
          connection,
          by: hadError ? 'error' : (first ?? 'farm'),
          durationMs: Math.round(performance.now() - opened),
          bytesIn: socket.bytesRead,
          bytesOut: socket.bytesWritten,
        });
      });
      emit({ type: 'connection', connection, peer: `${socket.remoteAddress}:${socket.remotePort}` });
      try {
        runAsListener(id, socket, () => handler.onConnection(socket, socket));
      } catch (error) {
        emit({ type: 'handler-error', connection, error: (error as Error).message });
        socket.destroy();
      }
    });
  }

  /**
   * Binds `host:port` (0 = ephemeral) and resolves with the bound port.
   * @throws FarmError EADDRINUSE / EACCES / EADDRNOTAVAIL naming the port and the listener.
   */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const why =
          error.code === 'EADDRINUSE' ? 'is already in use' : error.code === 'EACCES' ? 'needs privileges to bind' : `cannot be bound (${error.code ?? error.message})`;
        reject(new FarmError(error.code ?? 'LISTEN_FAILED', `port ${port} on ${host} (listener ${this.id}) ${why}`));
      };
      this.server.once('error', onError);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.server.on('error', () => undefined);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  /** Number of connections open right now. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Stops accepting, ends every open connection at once, and resolves when the port is released. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
