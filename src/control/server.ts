import express from 'express';
import type { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { clientAddress, hostPort } from '../address.js';
import { SOURCES } from '../cdn/sources.js';
import { bindError, farmError } from '../errors.js';
import type { ListenerEvent } from '../listeners/index.js';
import type { Manifest, ManifestListener } from '../manifest.js';
import type { FarmMonitor, ListenerStats } from '../monitor.js';
import { packagePath } from '../paths.js';
import type { AttemptLedger } from '../ledger/ledger.js';
import { isLoopback, requireToken } from './auth.js';
import { ledgerRoutes } from './ledger-routes.js';
import { listenerRoutes, type ListenerChanges } from './listener-routes.js';
import { sendError } from './json-error.js';
import { refuseCrossOriginWrites, requireServedHost } from './origin.js';
import { EventStream } from './sse.js';
import { triableClients } from './try-client.js';
import { tryRoute } from './try-route.js';
import { verifyRoutes } from './verify-routes.js';
import type { LatestVerifyReport } from '../verify/latest-report.js';

/** Where the control API listens, and its token. */
export interface ControlOptions {
  /** Bind address; a non-loopback one requires `token`. */
  host: string;
  /** Port (0 = ephemeral). */
  port: number;
  /** Bearer token checked on every request (constant-time); required off loopback. */
  token?: string;
  /** The farm's hostnames (--hostname): accepted in Host besides loopback names, IP literals and `host`. */
  hostnames?: string[];
}

/** What the control API serves. */
export interface ControlSources {
  manifest: () => Manifest;
  rootCaPem: string;
  monitor: FarmMonitor;
  events: EventEmitter<{ event: [ListenerEvent] }>;
  /** Resets a listener's state; false when it has none to reset, undefined for an unknown id. */
  reset(id: string): boolean | undefined;
  /** The attempt ledger (`/listeners/:id/attempts`, `/listeners/:id/probes`). */
  ledger: AttemptLedger;
  /** The latest verify report (`GET /verify/latest`, `POST /verify/reports`). */
  verifyReports: LatestVerifyReport;
  /**
   * Adds, changes and removes listeners while the farm runs (`POST /listeners`, `PUT /listeners/:id/params`,
   * `PUT`/`DELETE /listeners/:id/behaviour`, `DELETE /listeners/:id`).
   */
  listeners: ListenerChanges;
}

/** A running control API. */
export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The control API and dashboard (express): `GET /` (dashboard), `/manifest.json`, `/sources.json` (the register of
 * the documents the manifest cites, src/cdn/sources.ts), `/ca.pem`, `/listeners` (with live
 * counters), `/events` (server-sent events; `?listener=` filters, `?replay=1` sends the recent ones first),
 * `POST /listeners/:id/reset`, the attempt ledger's routes (ledger-routes.ts: `GET /listeners/:id/attempts`, which
 * the dashboard draws its wire diagrams from, `POST /listeners/:id/probes`, `DELETE /listeners/:id/probes/:probe`),
 * the run-time listener routes (listener-routes.ts: `POST /listeners`, `PUT /listeners/:id/params`,
 * `PUT`/`DELETE /listeners/:id/behaviour`, `DELETE /listeners/:id`), the latest verify report (verify-routes.ts: `GET /verify/latest`, `POST /verify/reports`), `POST /listeners/:id/try` (runs a reference client in a probe window, see `tryRoute`; a
 * GET lists the clients that apply), `/healthz`. Without a token, every request must name a served host (421
 * otherwise); writes must not
 * come from another origin (403), and every error is one JSON line `{"error": …}` without stack or paths.
 * @throws FarmError CONTROL_TOKEN_REQUIRED when bound off loopback without a token, or the bind error.
 */
export async function startControl(options: ControlOptions, sources: ControlSources): Promise<ControlServer> {
  if (!isLoopback(options.host) && !options.token) {
    throw farmError('CONTROL_TOKEN_REQUIRED', options.host);
  }
  const stream = new EventStream(sources.events, (id) => sources.monitor.get(id));
  const app = express();
  app.set('env', 'production');
  app.disable('x-powered-by');
  // A rebound name only matters where the API answers without a secret: behind a token, the page would need the
  // token too, and a cluster Service name or a proxy's name must keep working.
  if (options.token) app.use(requireToken(options.token));
  else app.use(requireServedHost(options.host, options.hostnames ?? []));
  app.use(refuseCrossOriginWrites());
  farmRoutes(app, sources, stream);
  ledgerRoutes(app, sources.ledger);
  listenerRoutes(app, sources.listeners);
  verifyRoutes(app, sources.verifyReports);
  app.get('/listeners/:id/try', async (request, response) => {
    const listener = sources.manifest().listeners.find((l) => l.id === request.params.id);
    if (!listener) return sendError(response, 404, `no listener ${request.params.id}`);
    response.json(await triableClients(listener));
  });
  app.post('/listeners/:id/try', express.json({ limit: 1024 }), tryRoute(sources.manifest, sources.ledger, sources.events));
  app.use(express.static(packagePath('dashboard'), { index: 'index.html' }));
  app.use((_request, response) => {
    sendError(response, 404, 'not found');
  });
  app.use((error: unknown, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
    sendError(response, ...describeError(error));
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      stream.close();
      reject(bindError(`control port ${options.port} on ${options.host}`, error));
    });
    server.listen({ port: options.port, host: options.host, exclusive: true }, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${hostPort(clientAddress(options.host), port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        stream.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The farm's own read routes and reset: health, manifest, sources, root CA, listener rows, events. */
function farmRoutes(app: express.Express, sources: ControlSources, stream: EventStream): void {
  app.get('/healthz', (_request, response) => {
    response.json({ ok: true, listeners: sources.manifest().listeners.length, ledgerSize: Math.max(0, sources.ledger.size) });
  });
  app.get('/manifest.json', (_request, response) => {
    response.json(sources.manifest());
  });
  app.get('/sources.json', (_request, response) => {
    response.json(SOURCES);
  });
  app.get('/ca.pem', (_request, response) => {
    response.type('application/x-pem-file').send(sources.rootCaPem);
  });
  app.get('/listeners', (_request, response) => {
    response.json(listenerRows(sources));
  });
  app.get('/events', (request, response) => {
    // A HEAD has no body to stream into: answering it must not take a subscriber slot.
    if (request.method === 'HEAD') return void response.status(200).type('text/event-stream').end();
    const filter = typeof request.query.listener === 'string' ? request.query.listener : undefined;
    stream.subscribe(response, filter, Boolean(request.query.replay));
  });
  app.post('/listeners/:id/reset', (request, response) => {
    const result = sources.reset(request.params.id);
    if (result === undefined) return sendError(response, 404, `no listener ${request.params.id}`);
    response.json({ id: request.params.id, reset: result });
  });
}

/** One row of `GET /listeners`: the listener's manifest facts, its behaviour when it has one, its live counters. */
export type ListenerRow = Pick<ManifestListener, 'id' | 'port' | 'transport' | 'family' | 'title' | 'behaviour'> & Partial<ListenerStats>;

/** `GET /listeners`: a row per listener of the manifest. */
function listenerRows(sources: ControlSources): ListenerRow[] {
  const byId = new Map(sources.monitor.all().map((stats) => [stats.id, stats]));
  return sources.manifest().listeners.map((l) => ({
    id: l.id,
    port: l.port,
    transport: l.transport,
    family: l.family,
    title: l.title,
    ...(l.behaviour ? { behaviour: l.behaviour } : {}),
    ...byId.get(l.id),
  }));
}

/**
 * Status and one-line message for an error that reached express: its own 4xx (a malformed percent-encoding in the
 * path is 400) keeps its status and a fixed text, anything else is 500; never the error's stack or message, which
 * may name files.
 */
function describeError(error: unknown): [number, string] {
  const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
  if (status === 400 && typeof error === 'object' && error !== null && 'type' in error && error.type === 'entity.parse.failed')
    return [400, 'malformed JSON body'];
  if (error instanceof URIError || status === 400) return [400, 'malformed request URL (bad percent-encoding?)'];
  if (status >= 400 && status < 500) return [status, 'request refused'];
  // A 500 is a bug of the farm's: its stack goes to the operator's stderr, never to the client.
  console.error(error);
  return [500, 'internal error in the control API'];
}
