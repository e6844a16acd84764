import type { Socket } from 'node:net';
import type { ConnectionHandler } from './mechanism.js';

/**
 * The handler a farm listener serves with: its mechanism's handler, which `replace` swaps while the listener runs
 * (connections accepted afterwards get the new one; open ones keep theirs).
 */
export class ListenerHandler implements ConnectionHandler {
  constructor(private current: ConnectionHandler) {}

  /** Serves connections accepted from now on with `handler`. */
  replace(handler: ConnectionHandler): void {
    this.current = handler;
  }

  /** True when `reset` has state to reset. */
  get resettable(): boolean {
    return this.current.reset !== undefined;
  }

  onConnection(socket: Socket, raw: Socket): void {
    this.current.onConnection(socket, raw);
  }

  reset(): void {
    this.current.reset?.();
  }
}
