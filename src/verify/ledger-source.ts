import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { farmError } from '../errors.js';
import type { Farm } from '../farm.js';
import { Attempt } from '../ledger/attempt.js';
import type { AttemptQuery } from '../ledger/ledger.js';

/**
 * Where `verify` reads the origin's view: the attempt ledger of a farm, in this process or behind its control API.
 * A probe window (`beginProbe` … `endProbe`) makes the farm attribute to the probe every connection on the
 * listener's port that carries no probe id of its own, except health checks and unrelated requests: `verify`'s
 * requests name their probe, and its windows say so (`WindowOptions.requestsNamed`, src/ledger/probe.ts).
 */
export interface AttemptSource {
  /** What the report names as the farm: its control URL, or `in-process`. */
  readonly name: string;
  /** Opens a probe window whose probe names its requests (`requestsNamed`). */
  beginProbe(id: string, probe: string): Promise<void>;
  endProbe(id: string, probe: string): Promise<void>;
  attempts(id: string, query: AttemptQuery): Promise<Attempt[]>;
  /** Starts listener `id`'s state over (stale-then-fail, health-flapping), as `Farm.reset` does. */
  reset(id: string): Promise<void>;
}

/** The attempt ledger of a farm running in this process (`Farm.attempts`, `beginProbe`, `endProbe`). */
export function farmAttemptSource(farm: Pick<Farm, 'attempts' | 'beginProbe' | 'endProbe' | 'reset'>): AttemptSource {
  return {
    name: 'in-process',
    beginProbe: async (id, probe) => void farm.beginProbe(id, probe, { requestsNamed: true }),
    endProbe: async (id, probe) => void farm.endProbe(id, probe),
    attempts: async (id, query) => farm.attempts(id, query) ?? [],
    reset: async (id) => void farm.reset(id),
  };
}

const Attempts = Type.Array(Attempt);

/** Longest one control API request may take, in ms. */
const CONTROL_REQUEST_MS = 5_000;

/**
 * The attempt ledger behind a farm's control API at `controlUrl` (`GET /listeners/:id/attempts?since=&probe=`,
 * `POST /listeners/:id/probes` with `{"probe": id}`, `DELETE /listeners/:id/probes/:probe`, `POST
 * /listeners/:id/reset`), with `token` as the
 * bearer token when given.
 * @throws FarmError (rejects) FARM_UNREACHABLE when a request fails, is refused (401, 404…) or answers no attempts.
 */
export function controlAttemptSource(controlUrl: string, token?: string): AttemptSource {
  const base = controlUrl.replace(/\/+$/, '');
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(CONTROL_REQUEST_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw farmError('FARM_UNREACHABLE', base, cause ?? (error as Error).message);
    }
    const text = await response.text();
    if (!response.ok) throw farmError('FARM_UNREACHABLE', base, `${method} ${path}: HTTP ${response.status} ${text.slice(0, 200).trim()}`);
    return text ? JSON.parse(text) : undefined;
  };
  const listener = (id: string) => `/listeners/${encodeURIComponent(id)}`;
  return {
    name: base,
    beginProbe: async (id, probe) => void (await call('POST', `${listener(id)}/probes`, { probe, requestsNamed: true })),
    endProbe: async (id, probe) => void (await call('DELETE', `${listener(id)}/probes/${encodeURIComponent(probe)}`)),
    attempts: async (id, query) => {
      const search = new URLSearchParams();
      if (query.since !== undefined) search.set('since', String(query.since));
      if (query.probe !== undefined) search.set('probe', query.probe);
      const data = await call('GET', `${listener(id)}/attempts?${search}`);
      if (!Value.Check(Attempts, data))
        throw farmError('FARM_UNREACHABLE', base, `GET ${listener(id)}/attempts did not answer a list of attempts`);
      return data;
    },
    reset: async (id) => void (await call('POST', `${listener(id)}/reset`)),
  };
}

/** Longest the report upload may take, in ms (a report of every listener may be a few MiB). */
const REPORT_REQUEST_MS = 30_000;

/**
 * POSTs `report` to `POST /verify/reports` of the control API at `controlUrl`, with `token` as the bearer token when
 * given. Resolves with why it was not taken (network error, HTTP status and the API's error line), or undefined.
 */
export async function postReport(controlUrl: string, token: string | undefined, report: unknown): Promise<string | undefined> {
  const url = `${controlUrl.replace(/\/+$/, '')}/verify/reports`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(report),
      signal: AbortSignal.timeout(REPORT_REQUEST_MS),
    });
    const text = await response.text();
    return response.ok ? undefined : `POST ${url}: HTTP ${response.status} ${text.slice(0, 200).trim()}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return `POST ${url}: ${cause ?? (error as Error).message}`;
  }
}
