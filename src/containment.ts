import { AsyncLocalStorage } from 'node:async_hooks';
import type { Socket } from 'node:net';

/** The listener (and connection) whose code is running, for attributing errors nobody caught and events. */
const currentListener = new AsyncLocalStorage<{ listener: string; connection?: number }>();

/** Marks an error with the listener it escaped from (the scope is gone once the exception unwinds out of it). */
const ESCAPED_FROM = Symbol('badorigin.listener');

/** The id of the listener whose connection handling is running now, if any. */
export function listenerInScope(): string | undefined {
  return currentListener.getStore()?.listener;
}

/** The farm-wide number of the connection whose handling is running now, if any (see `runAsListener`). */
export function connectionInScope(): number | undefined {
  return currentListener.getStore()?.connection;
}

/**
 * Runs `fn` as listener `id`'s code, and makes every event of `socket` run in that scope too, so an exception thrown
 * later by any handler of that connection (data, end, timers, TLS sockets built on it) can be attributed to the
 * listener. Resources created inside inherit the scope (AsyncLocalStorage); the socket predates it, so its `emit`
 * is wrapped. `connection`, the connection's farm-wide number, is what `connectionInScope` then returns, so that the
 * events a mechanism reports without a number can be given the one of the connection they belong to.
 */
export function runAsListener<T>(id: string, socket: Socket, fn: () => T, connection?: number): T {
  const scope = { listener: id, connection };
  const emit = socket.emit;
  socket.emit = function scopedEmit(this: Socket, ...args: Parameters<Socket['emit']>) {
    try {
      return currentListener.run(scope, () => emit.apply(this, args));
    } catch (error) {
      if (error instanceof Error) Object.defineProperty(error, ESCAPED_FROM, { value: id });
      throw error;
    }
  } as Socket['emit'];
  return currentListener.run(scope, fn);
}

/**
 * Keeps the process alive through errors no listener caught: reports each (with the listener id when one was in
 * scope) through `report` instead of letting Node exit. For the `serve` command, where one misbehaving listener must
 * never take the farm down; a library user keeps Node's default behaviour unless they call this.
 * @returns a function that removes the guards.
 */
export function installProcessGuards(
  report: (listener: string | undefined, error: Error, kind: 'exception' | 'rejection') => void,
): () => void {
  const listenerOf = (error: Error) => (error as Error & { [ESCAPED_FROM]?: string })[ESCAPED_FROM] ?? listenerInScope();
  const onException = (error: Error) => report(listenerOf(error), error, 'exception');
  const onRejection = (reason: unknown) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    report(listenerOf(error), error, 'rejection');
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
