import { createServer, type Server, type Socket } from 'node:net';
import { runAsListener } from '../containment.js';
import { FarmError } from '../errors.js';
import type { ConnectionHandler, ListenerEvent, PortOwner } from './mechanism.js';

/** Farm-wide connection numbers, for the event log. */
let nextConnection = 1;

/** Per-listener limits (issue: a fault farm must be more robust than what it tests). */
export interface ListenerCaps {
  /** Concurrent connections per listener. */
  maxConnections: number;
  /** Longest a connection may stay open, in ms (stalling scenarios hold connections by design). */
  maxHoldMs: number;
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
 * Defaults: room for 10,000 held connections per listener, nothing held longer than 10 minutes, request heads of
 * at most 32 KiB and 100 fields (nginx's large_client_header_buffers default is 4 × 8 KiB).
 */
export const DEFAULT_CAPS: ListenerCaps = { maxConnections: 20_000, maxHoldMs: 600_000, maxHeaderBytes: 32 * 1024, maxHeaders: 100 };

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
   */
  constructor(
    id: string,
    handler: ConnectionHandler,
    emit: (event: Omit<ListenerEvent, 'listener' | 'time'>) => void,
    caps: ListenerCaps = DEFAULT_CAPS,
  ) {
    this.id = id;
    this.server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      if (this.sockets.size >= caps.maxConnections) {
        emit({ type: 'fault', detail: `cap: ${caps.maxConnections} connections open, reset a new one (--max-connections)` });
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
