import express from 'express';
import { parseScenarioText } from '../catalogue.js';
import { FarmError, farmError } from '../errors.js';
import type { ManifestListener } from '../manifest.js';
import { sendError } from './json-error.js';

/** Largest scenario document or params body the routes read, in bytes (the largest scenario file is under 16 KiB). */
export const SCENARIO_BODY_LIMIT = 64 * 1024;

/** The run-time changes of a farm's listeners (`Farm.add`, `Farm.update`, `Farm.updateBehaviour`, `Farm.remove`, src/farm.ts). */
export interface ListenerChanges {
  add(scenario: unknown, options?: { port?: number }): Promise<ManifestListener>;
  update(id: string, params: unknown): Promise<ManifestListener>;
  updateBehaviour(id: string, behaviour: unknown): Promise<ManifestListener>;
  remove(id: string): Promise<void>;
}

/** HTTP status of each error a change may throw; any other FarmError is the request's fault (400). */
const STATUS_OF: Record<string, number> = {
  UNKNOWN_LISTENER: 404,
  LISTENER_EXISTS: 409,
  LISTENER_FIXED: 409,
  EADDRINUSE: 409,
  EACCES: 403,
};

/** Sends the one-line JSON error of a failed change; certificate-directory failures are the farm's (500), without their paths. */
function sendChangeError(response: express.Response, error: unknown): void {
  if (!(error instanceof FarmError)) throw error;
  if (error.code.startsWith('CERTS_'))
    return sendError(response, 500, `the farm could not issue the listener's certificates (${error.code}); its terminal says why`);
  sendError(response, STATUS_OF[error.code] ?? 400, error.message);
}

/** Most characters of strings and items a parsed body may hold once YAML aliases are expanded (what the manifest would serialise). */
const EXPANDED_LIMIT = 4 * SCENARIO_BODY_LIMIT;

/** True when `value`, its aliases expanded, holds at most `budget` characters of strings and items (walk stops early). */
function withinExpandedSize(value: unknown, budget = EXPANDED_LIMIT): boolean {
  const stack: unknown[] = [value];
  let left = budget;
  while (stack.length > 0 && left >= 0) {
    const item = stack.pop();
    left -= typeof item === 'string' ? item.length + 1 : 1;
    if (typeof item === 'object' && item !== null) stack.push(...Object.keys(item), ...Object.values(item));
  }
  return left >= 0;
}

/** `?port=` as a port number (absent: 0, ephemeral), or undefined when it is not one. */
function portOf(query: unknown): number | undefined {
  if (query === undefined) return 0;
  return typeof query === 'string' && /^\d{1,5}$/.test(query) && Number(query) <= 65535 ? Number(query) : undefined;
}

/**
 * The routes that change the farm's listeners while it runs; bodies are YAML or JSON (JSON is YAML), at most
 * SCENARIO_BODY_LIMIT bytes, and every error is one JSON line:
 * - `POST /listeners?port=` with a scenario document (the schema of scenarios/*.yaml): starts its listeners (201,
 *   `Location: /listeners/<id>`, the manifest entry of `<id>`); 400 with the schema error, 409 for an id the farm
 *   runs or a busy port.
 * - `PUT /listeners/:id/params` with the scenario's new `params`: new connections get them (200, the manifest
 *   entry); 400 with the params schema error, 404 for an unknown id, 409 for a mechanism that owns its port.
 * - `PUT /listeners/:id/behaviour` with a behaviour (`{"failFirst": 2}`…; `null` clears it), `DELETE
 *   /listeners/:id/behaviour` to clear it: new connections are counted from zero under it (200, the manifest entry);
 *   400 with the schema error, 404 for an unknown id, 409 for a mechanism that owns its port.
 * - `DELETE /listeners/:id`: stops it and ends its connections (200); 404 for an unknown id.
 */
export function listenerRoutes(app: express.Express, changes: ListenerChanges): void {
  const body = express.text({ type: () => true, limit: SCENARIO_BODY_LIMIT });
  const parsed = (request: express.Request, what: string): unknown => {
    const value = parseScenarioText(typeof request.body === 'string' ? request.body : '', what);
    // YAML aliases could make a small body a huge manifest entry.
    if (!withinExpandedSize(value))
      throw farmError('BAD_SCENARIO', what, `larger than ${EXPANDED_LIMIT} characters once its YAML aliases are expanded`);
    return value;
  };
  app.post('/listeners', body, async (request, response) => {
    const port = portOf(request.query.port);
    if (port === undefined) return sendError(response, 400, 'port must be a port number, 0 to 65535 (0 or absent: an ephemeral one)');
    try {
      const listener = await changes.add(parsed(request, 'scenario document'), { port });
      response
        .status(201)
        .location(`/listeners/${encodeURIComponent(listener.id)}`)
        .json(listener);
    } catch (error) {
      sendChangeError(response, error);
    }
  });
  app.put('/listeners/:id/params', body, async (request, response) => {
    try {
      response.json(await changes.update(request.params.id, parsed(request, 'params')));
    } catch (error) {
      sendChangeError(response, error);
    }
  });
  const behaviour = (read: (request: express.Request) => unknown) => async (request: express.Request, response: express.Response) => {
    try {
      response.json(await changes.updateBehaviour(String(request.params.id), read(request)));
    } catch (error) {
      sendChangeError(response, error);
    }
  };
  app.put(
    '/listeners/:id/behaviour',
    body,
    behaviour((request) => parsed(request, 'behaviour')),
  );
  app.delete(
    '/listeners/:id/behaviour',
    behaviour(() => null),
  );
  app.delete('/listeners/:id', async (request, response) => {
    try {
      await changes.remove(request.params.id);
      response.json({ id: request.params.id, removed: true });
    } catch (error) {
      sendChangeError(response, error);
    }
  });
}
