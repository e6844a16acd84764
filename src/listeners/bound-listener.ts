import { createServer, type Server, type Socket } from 'node:net';
import { runAsListener } from '../containment.js';
import { bindError } from '../errors.js';
import { admitConnection, DEFAULT_CAPS, type Admission, type ListenerCaps } from './caps.js';
import { CapFaultReporter, ConnectionBudget } from './connection-budget.js';
import { trackFirstEnd } from './connection/close-order.js';
import { nextConnectionNumber } from './connection-number.js';
import type { ConnectionHandler, ListenerEvent, PortOwner } from './mechanism.js';

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
    const admission: Admission = { sockets: this.sockets, caps, budget, capFaults: new CapFaultReporter(emit) };
    this.server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      const connection = nextConnectionNumber();
      if (!admitConnection(socket, admission, (detail) => emit({ type: 'fault', connection, detail }))) return;
      const opened = performance.now();
      // Who ended first: the peer (its FIN, or on TLS its close_notify) or the farm; a reset or error, 'error'.
      const first = trackFirstEnd(socket);
      socket.on('close', (hadError) => {
        emit({
          type: 'close',
          connection,
          by: hadError ? 'error' : (first() ?? 'farm'),
          durationMs: Math.round(performance.now() - opened),
          bytesIn: socket.bytesRead,
          bytesOut: socket.bytesWritten,
        });
      });
      emit({ type: 'connection', connection, peer: `${socket.remoteAddress}:${socket.remotePort}` });
      try {
        runAsListener(id, socket, () => handler.onConnection(socket, socket), connection);
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
        reject(bindError(`port ${port} on ${host} (listener ${this.id})`, error));
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
