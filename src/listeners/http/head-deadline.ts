import type { Duplex } from 'node:stream';

/**
 * Request-head deadlines for connections served by a node:http server that never listens (the farm hands it
 * sockets with `emit('connection')`): node:http checks `headersTimeout` and `requestTimeout` only on a server that
 * listens, so without this a client that sends half a head, or nothing, would be held until `--max-hold-ms`.
 * The deadline runs from `watch` (the accept, or the end of the TLS handshake) and again from the end of each
 * response, and stops while a request is being answered; when it passes, `onTimeout(socket)` is called once.
 * Timers are unref'd and cleared when the socket closes.
 */
export class HeadDeadlines {
  private readonly connections = new WeakMap<Duplex, { timer?: NodeJS.Timeout; inFlight: number }>();

  /**
   * @param timeoutMs time a client has for each request head, in ms (the farm's `--head-timeout-ms`).
   * @param onTimeout closes the connection (and reports it); called at most once per deadline.
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (socket: Duplex) => void,
  ) {}

  /** Starts the first deadline of a new connection. */
  watch(socket: Duplex): void {
    const state = { inFlight: 0 };
    this.connections.set(socket, state);
    socket.once('close', () => clearTimeout(this.connections.get(socket)?.timer));
    this.arm(socket);
  }

  /** A complete request head arrived on `socket`: no deadline until its response is done. */
  requestStarted(socket: Duplex): void {
    const state = this.connections.get(socket);
    if (!state) return;
    clearTimeout(state.timer);
    state.inFlight += 1;
  }

  /** A response on `socket` is done: the next head's deadline starts once no other request is being answered. */
  responseDone(socket: Duplex): void {
    const state = this.connections.get(socket);
    if (!state) return;
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (state.inFlight === 0 && !socket.destroyed) this.arm(socket);
  }

  private arm(socket: Duplex): void {
    const state = this.connections.get(socket)!;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => this.onTimeout(socket), this.timeoutMs);
    state.timer.unref();
  }
}
