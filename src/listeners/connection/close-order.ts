import type { Socket } from 'node:net';

/** Which side ended a connection first: the peer (`client`) or the farm. */
export type FirstEnd = 'client' | 'farm';

const recorders = new WeakMap<Socket, (side: FirstEnd) => void>();

/**
 * Tracks who ended TCP socket `socket` first (for the `close` event's `by`): the peer's FIN (`end`) before the
 * farm's (`finish`) means the client. A layer that reads and writes the socket in its stead (node:tls takes the
 * socket's handle, so the raw socket sees neither) reports its own ends with `noteFirstEnd`.
 * @returns the side that ended first so far, undefined while neither did.
 */
export function trackFirstEnd(socket: Socket): () => FirstEnd | undefined {
  let first: FirstEnd | undefined;
  const record = (side: FirstEnd) => {
    first ??= side;
  };
  recorders.set(socket, record);
  socket.once('end', () => record('client'));
  socket.once('finish', () => record('farm'));
  return () => first;
}

/**
 * Records that `side` ended the connection of TCP socket `raw`, unless one already did: a TLS layer calls it when
 * the peer's close_notify or FIN arrives (`client`) and when the farm's own close_notify goes out (`farm`), since on
 * TLS the farm answers the peer's close_notify with its own and the raw socket's FIN order says nothing.
 */
export function noteFirstEnd(raw: Socket, side: FirstEnd): void {
  recorders.get(raw)?.(side);
}
