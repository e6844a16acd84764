import express from 'express';
import type { AttemptLedger, AttemptQuery } from '../ledger/ledger.js';
import { isProbeId } from '../ledger/probe.js';
import { sendError } from './json-error.js';

/** Largest body `POST /listeners/:id/probes` reads, in bytes (`{"probe": "<at most 128 characters>"}`). */
const PROBE_BODY_LIMIT = 1024;

/** Largest `?limit=` the attempts route takes (the ledger's default bound). */
const MAX_LIMIT = 100_000;

/** `?since=&probe=&limit=` as an AttemptQuery, or the one-line reason it is not one. */
function attemptQuery(query: Record<string, unknown>): AttemptQuery | { error: string } {
  const result: AttemptQuery = {};
  if (query.since !== undefined) {
    const since = typeof query.since === 'string' && /^\d{1,16}(\.\d+)?$/.test(query.since) ? Number(query.since) : NaN;
    if (!Number.isFinite(since)) return { error: 'since must be a time in ms since the epoch' };
    result.since = since;
  }
  if (query.probe !== undefined) {
    if (!isProbeId(query.probe)) return { error: 'probe must be 1 to 128 characters of A-Z a-z 0-9 . _ ~ : -' };
    result.probe = query.probe;
  }
  if (query.limit !== undefined) {
    const limit = typeof query.limit === 'string' && /^\d{1,6}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) return { error: `limit must be an integer from 1 to ${MAX_LIMIT}` };
    result.limit = limit;
  }
  return result;
}

/** The `probe` of a JSON body `{"probe": "<id>"}`, or undefined. */
function probeOfBody(body: unknown): { probe: string; requestsNamed: boolean } | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !('probe' in parsed) || !isProbeId(parsed.probe)) return undefined;
    const named = 'requestsNamed' in parsed ? parsed.requestsNamed : false;
    return typeof named === 'boolean' ? { probe: parsed.probe, requestsNamed: named } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The attempt ledger's routes (src/ledger/ledger.ts):
 * - `GET /listeners/:id/attempts?since=&probe=&limit=`: the listener's attempts (JSON array of `Attempt`, oldest
 *   first), `since` in ms since the epoch, `limit` the newest that many; 400 for a bad parameter.
 * - `POST /listeners/:id/probes` with `{"probe": "<id>"}` and optionally `"requestsNamed": true` (the probe's
 *   requests name it, so health checks in its window are not its: `WindowOptions`): opens a probe window (201); 400
 *   for a bad probe id.
 * - `DELETE /listeners/:id/probes/:probe`: closes it (200); 404 when it was not open.
 * An unknown listener id is 404. Errors are the control API's one JSON line.
 */
export function ledgerRoutes(app: express.Express, ledger: AttemptLedger): void {
  app.get('/listeners/:id/attempts', (request, response) => {
    const { id } = request.params;
    if (!ledger.has(id)) return sendError(response, 404, `no listener ${id}`);
    const query = attemptQuery(request.query);
    if ('error' in query) return sendError(response, 400, query.error);
    response.set('cache-control', 'no-store').json(ledger.attempts(id, query) ?? []);
  });
  app.post('/listeners/:id/probes', express.text({ type: () => true, limit: PROBE_BODY_LIMIT }), (request, response) => {
    const { id } = request.params;
    if (!ledger.has(id)) return sendError(response, 404, `no listener ${id}`);
    const body = probeOfBody(request.body);
    if (body === undefined)
      return sendError(
        response,
        400,
        'the body must be {"probe": "<1 to 128 characters of A-Z a-z 0-9 . _ ~ : ->"}, with "requestsNamed": true or false optionally',
      );
    ledger.beginProbe(id, body.probe, { requestsNamed: body.requestsNamed });
    response.status(201).json({ id, probe: body.probe, open: true });
  });
  app.delete('/listeners/:id/probes/:probe', (request, response) => {
    const { id, probe } = request.params;
    if (!ledger.has(id)) return sendError(response, 404, `no listener ${id}`);
    if (!ledger.endProbe(id, probe)) return sendError(response, 404, `no probe window ${probe} open on ${id}`);
    response.json({ id, probe, open: false });
  });
}
