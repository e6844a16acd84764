import type { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import type { ListenerEvent } from '../listeners/index.js';
import type { Manifest } from '../manifest.js';
import type { BookedConnection, ConnectionBook } from './connection-book.js';
import { sendError } from './json-error.js';
import { clientFits, isInstalled, TRY_CLIENTS, tryClient, type TryClient, type TryResult } from './try-client.js';

/** Most client runs at once farm-wide (one more gets 503); per listener, one at a time (409). */
export const TRY_MAX_RUNNING = 4;
/** How long after the client finished the farm's view may still gain events (a close, a late TLS error), in ms. */
const SETTLE_MS = 1500;

/** The answer of `POST /listeners/:id/try`: the client's result and the connections the farm saw meanwhile. */
export interface TryAnswer {
  id: string;
  result: TryResult;
  /** The listener's connections that started while the client ran (from the connection book), oldest first. */
  farm: BookedConnection[];
}

/**
 * Express handler of `POST /listeners/:id/try` with a JSON body `{"client": "node" | "curl" | "openssl" | "dig"}`:
 * runs that reference client once against the listener from the farm's machine and answers a `TryAnswer`. 404 for
 * an unknown listener, 400 for an unknown client or one that does not fit the listener, 501 when the program is not
 * installed, 409 while a run on the same listener is under way, 503 when TRY_MAX_RUNNING runs are.
 */
export function tryRoute(manifest: () => Manifest, book: ConnectionBook, events: EventEmitter<{ event: [ListenerEvent] }>) {
  const running = new Set<string>();
  return async (request: Request<{ id: string }>, response: Response) => {
    const id = request.params.id;
    const listener = manifest().listeners.find((l) => l.id === id);
    if (!listener) return sendError(response, 404, `no listener ${id}`);
    const body: unknown = request.body;
    const client = typeof body === 'object' && body !== null && 'client' in body ? body.client : undefined;
    if (!TRY_CLIENTS.some((c) => c === client)) return sendError(response, 400, `body must be {"client": ${TRY_CLIENTS.map((c) => `"${c}"`).join(' | ')}}`);
    const chosen = client as TryClient;
    if (!clientFits(chosen, listener)) return sendError(response, 400, `${chosen} does not apply to a ${listener.transport} listener`);
    if (chosen !== 'node' && !(await isInstalled(chosen))) return sendError(response, 501, `${chosen} is not installed on the farm's machine`);
    if (running.has(id)) return sendError(response, 409, `a client is already running against ${id}; wait for its result`);
    if (running.size >= TRY_MAX_RUNNING) {
      response.setHeader('retry-after', '5');
      return sendError(response, 503, `${TRY_MAX_RUNNING} clients are running already; retry in a few seconds`);
    }
    running.add(id);
    try {
      const since = book.newestConnection(id);
      const startedAt = Date.now();
      const result = await tryClient(manifest(), listener, chosen);
      await settled(book, events, id, since, startedAt);
      const answer: TryAnswer = { id, result, farm: seenSince(book, id, since, startedAt) };
      response.json(answer);
    } finally {
      running.delete(id);
    }
  };
}

/** Connections of listener `id` numbered above `since`, and exchanges without a number that started at `startedAt` or later. */
function seenSince(book: ConnectionBook, id: string, since: number, startedAt: number): BookedConnection[] {
  return book.connections(id).filter((c) => (c.connection === null ? c.startedAt >= startedAt : c.connection > since));
}

/**
 * Resolves once every connection of `id` opened since `since` is closed and no event of `id` came for 100 ms, or
 * after SETTLE_MS at most.
 */
function settled(book: ConnectionBook, events: EventEmitter<{ event: [ListenerEvent] }>, id: string, since: number, startedAt: number): Promise<void> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(deadline);
      clearTimeout(quiet);
      events.off('event', onEvent);
      resolve();
    };
    const check = () => {
      clearTimeout(quiet);
      if (seenSince(book, id, since, startedAt).every((c) => c.closed)) quiet = setTimeout(done, 100);
    };
    const onEvent = (event: ListenerEvent) => {
      if (event.listener === id) setImmediate(check);
    };
    const deadline = setTimeout(done, SETTLE_MS);
    events.on('event', onEvent);
    check();
  });
}
