import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import type { Request, Response } from 'express';
import type { Attempt } from '../ledger/attempt.js';
import type { AttemptLedger } from '../ledger/ledger.js';
import type { ListenerEvent } from '../listeners/index.js';
import type { Manifest } from '../manifest.js';
import { sendError } from './json-error.js';
import { clientFits, isInstalled, pinsSourcePort, TRY_CLIENTS, tryClient, type TryClient, type TryResult } from './try-client.js';

/** Most client runs at once farm-wide (one more gets 503); per listener, one at a time (409). */
export const TRY_MAX_RUNNING = 4;
/** How long after the client finished the farm's view may still gain events (a close, a late TLS error), in ms. */
const SETTLE_MS = 1500;

/**
 * The answer of `POST /listeners/:id/try`: the client's result and the attempts of the run from the attempt ledger.
 * `attribution` says how they were told from other traffic: `source-port` (the client connected from a port chosen
 * for the run, so only its own connections are listed) or `window` (every attempt that arrived on the listener while
 * the run's probe window was open: node's resolver cannot choose a source port).
 */
export interface TryAnswer {
  id: string;
  result: TryResult;
  /** The probe id of the run's window, as the ledger records it on the attempts. */
  probe: string;
  attribution: 'source-port' | 'window';
  /** The run's attempts, oldest first. */
  farm: Attempt[];
}

/** A TCP port free on this machine now (the kernel's pick), for a client's source port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The port of a peer `ip:port` (`[v6]:port` or `v6:port` alike). */
function peerPort(peer: string): number {
  return Number(peer.slice(peer.lastIndexOf(':') + 1));
}

/**
 * Express handler of `POST /listeners/:id/try` with a JSON body `{"client": "node" | "curl" | "openssl" | "dig"}`:
 * runs that reference client once against the listener from the farm's machine, inside a probe window of the attempt
 * ledger, and answers a `TryAnswer`. 404 for an unknown listener, 400 for an unknown client or one that does not fit
 * the listener, 501 when the program is not installed, 409 while a run on the same listener is under way, 503 when
 * TRY_MAX_RUNNING runs are.
 */
export function tryRoute(manifest: () => Manifest, ledger: AttemptLedger, events: EventEmitter<{ event: [ListenerEvent] }>) {
  const running = new Set<string>();
  return async (request: Request<{ id: string }>, response: Response) => {
    const id = request.params.id;
    const listener = manifest().listeners.find((l) => l.id === id);
    if (!listener) return sendError(response, 404, `no listener ${id}`);
    const body: unknown = request.body;
    const client = typeof body === 'object' && body !== null && 'client' in body ? body.client : undefined;
    const chosen = TRY_CLIENTS.find((c) => c === client);
    if (chosen === undefined) return sendError(response, 400, `body must be {"client": ${TRY_CLIENTS.map((c) => `"${c}"`).join(' | ')}}`);
    if (!clientFits(chosen, listener)) return sendError(response, 400, `${chosen} does not apply to a ${listener.transport} listener`);
    if (chosen !== 'node' && !(await isInstalled(chosen)))
      return sendError(response, 501, `${chosen} is not installed on the farm's machine`);
    if (running.has(id)) return sendError(response, 409, `a client is already running against ${id}; wait for its result`);
    if (running.size >= TRY_MAX_RUNNING) {
      response.setHeader('retry-after', '5');
      return sendError(response, 503, `${TRY_MAX_RUNNING} clients are running already; retry in a few seconds`);
    }
    running.add(id);
    try {
      response.json(await run(manifest(), ledger, events, id, chosen));
    } finally {
      running.delete(id);
    }
  };
}

/** One run of `client` against listener `id` in a probe window of its own, with the attempts it made. */
async function run(
  farm: Manifest,
  ledger: AttemptLedger,
  events: EventEmitter<{ event: [ListenerEvent] }>,
  id: string,
  client: TryClient,
): Promise<TryAnswer> {
  const listener = farm.listeners.find((l) => l.id === id)!;
  const probe = `try-${client}-${randomUUID().slice(0, 8)}`;
  const localPort = pinsSourcePort(client, listener) ? await freePort() : undefined;
  const mine = () => (ledger.attempts(id, { probe }) ?? []).filter((a) => localPort === undefined || peerPort(a.peer) === localPort);
  ledger.beginProbe(id, probe);
  let result: TryResult;
  try {
    result = await tryClient(farm, listener, client, localPort);
  } finally {
    ledger.endProbe(id, probe);
  }
  await settled(events, id, () => mine().every((a) => a.dns !== undefined || a.closedAt !== undefined));
  return { id, result, probe, attribution: localPort === undefined ? 'window' : 'source-port', farm: mine() };
}

/** Resolves once `done()` holds and no event of `id` came for 100 ms, or after SETTLE_MS at most. */
function settled(events: EventEmitter<{ event: [ListenerEvent] }>, id: string, done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(quiet);
      events.off('event', onEvent);
      resolve();
    };
    const check = () => {
      clearTimeout(quiet);
      if (done()) quiet = setTimeout(finish, 100);
    };
    const onEvent = (event: ListenerEvent) => {
      if (event.listener === id) setImmediate(check);
    };
    const deadline = setTimeout(finish, SETTLE_MS);
    events.on('event', onEvent);
    check();
  });
}
