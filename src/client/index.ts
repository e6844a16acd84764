// `badorigin/client`: a typed client of a running farm's control API (README § Watching what your CDN did), for test
// suites whose farm runs elsewhere (`badorigin serve`, the Docker image) or in the same process. It loads nothing of
// the farm: every import below is a type, and the requests are plain fetch calls.
import type { Scenario } from '../catalogue.js';
import type { ListenerRow } from '../control/server.js';
import type { Attempt } from '../ledger/attempt.js';
import type { AttemptQuery } from '../ledger/ledger.js';
import type { Behaviour } from '../listeners/behaviour.js';
import type { ListenerEvent } from '../listeners/index.js';
import type { Manifest, ManifestListener } from '../manifest.js';
import type { ListenerStats } from '../monitor.js';
import type { VerifyReport } from '../verify/report-schema.js';
import { serverSentEvents } from './sse.js';

export type { Attempt, AttemptQuery, Behaviour, ListenerEvent, ListenerRow, ListenerStats, Manifest, ManifestListener, VerifyReport };

/** A scenario document as `POST /listeners` takes it: the schema of scenarios/*.yaml (schema/scenario.schema.json). */
export type ScenarioDocument = Omit<Scenario, 'file'>;

/** One message of the event stream: a listener event and the listener's counters right after it. */
export interface StreamedEvent {
  event: ListenerEvent;
  stats?: ListenerStats;
}

/** An error answer of the control API: its HTTP status and its one-line message (`{"error": …}`). */
export class ControlApiError extends Error {
  override readonly name = 'ControlApiError';
  /**
   * @param status the HTTP status (400 bad input, 401 no token, 404 unknown listener or probe, 409 conflict…).
   * @param message the API's one-line error.
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where the control API is, and how to ask it. */
export interface ClientOptions {
  /** The farm's `--control-token`, sent as `Authorization: Bearer`. */
  token?: string;
  /** Longest one request may take, in ms (default 10,000; the event stream has none). */
  timeoutMs?: number;
}

/** Which events `events()` follows. */
export interface EventOptions {
  /** Only this listener's events. */
  listener?: string;
  /** First the newest recorded events (at most 128 KiB of them), oldest first. */
  replay?: boolean;
  /** Stops the stream (the iterator then ends); breaking out of `for await` stops it too. */
  signal?: AbortSignal;
}

/**
 * The control API of a running farm (`farm.control.url`, or `http://127.0.0.1:9399` for `badorigin serve`): the same
 * routes as curl calls them. Every method rejects with `ControlApiError` when the API answers an error, and with the
 * fetch error (`TypeError`, `TimeoutError`) when it cannot be reached.
 */
export class BadoriginClient {
  private readonly base: string;

  /** @param url the control API's URL (`http://host:port`, with or without a trailing slash). */
  constructor(
    url: string,
    private readonly options: ClientOptions = {},
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** `GET /manifest.json`: every listener and what each CDN, proxy and client should report there. */
  manifest(): Promise<Manifest> {
    return this.json('GET', '/manifest.json');
  }

  /** `GET /listeners`: every listener with its live counters. */
  listeners(): Promise<ListenerRow[]> {
    return this.json('GET', '/listeners');
  }

  /**
   * `POST /listeners?port=`: starts a scenario document's listeners (`<id>`, and `<id>-tls` with a `tls` section) on
   * `port` (absent or 0: an ephemeral one). A string is sent as it is (YAML or JSON). @returns the manifest entry of `<id>`.
   */
  add(scenario: ScenarioDocument | string, options: { port?: number } = {}): Promise<ManifestListener> {
    const query = options.port === undefined ? '' : `?port=${options.port}`;
    return this.json('POST', `/listeners${query}`, typeof scenario === 'string' ? scenario : JSON.stringify(scenario));
  }

  /** `PUT /listeners/:id/params`: new params for new connections. @returns the manifest entry. */
  updateParams(id: string, params: Record<string, unknown>): Promise<ManifestListener> {
    return this.json('PUT', `/listeners/${encodeURIComponent(id)}/params`, JSON.stringify(params));
  }

  /** `PUT /listeners/:id/behaviour` (`null`: `DELETE`, clears it): counted from zero from the next connection on. @returns the manifest entry. */
  updateBehaviour(id: string, behaviour: Behaviour | null): Promise<ManifestListener> {
    const path = `/listeners/${encodeURIComponent(id)}/behaviour`;
    return behaviour === null ? this.json('DELETE', path) : this.json('PUT', path, JSON.stringify(behaviour));
  }

  /** `DELETE /listeners/:id`: stops the listener and ends its connections. */
  async remove(id: string): Promise<void> {
    await this.json('DELETE', `/listeners/${encodeURIComponent(id)}`);
  }

  /** `POST /listeners/:id/reset`: resets its state, its behaviour's count and its counters; false when it keeps no state. */
  async reset(id: string): Promise<boolean> {
    const answer: { reset: boolean } = await this.json('POST', `/listeners/${encodeURIComponent(id)}/reset`);
    return answer.reset;
  }

  /** `GET /listeners/:id/attempts?since=&probe=&limit=`: the listener's attempt ledger, oldest first. */
  attempts(id: string, query: AttemptQuery = {}): Promise<Attempt[]> {
    const params = new URLSearchParams();
    for (const key of ['since', 'probe', 'limit'] as const) if (query[key] !== undefined) params.set(key, String(query[key]));
    const search = params.size > 0 ? `?${params}` : '';
    return this.json('GET', `/listeners/${encodeURIComponent(id)}/attempts${search}`);
  }

  /**
   * `POST /listeners/:id/probes`: connections arriving until `endProbe` belong to `probe` (1–128 of `A-Z a-z 0-9 . _
   * ~ : -`), except health checks and unrelated requests; `requestsNamed`: the probe's requests name it (header or
   * path suffix), so health checks in its window are never its.
   */
  async beginProbe(id: string, probe: string, options: { requestsNamed?: boolean } = {}): Promise<void> {
    const body = options.requestsNamed === undefined ? { probe } : { probe, requestsNamed: options.requestsNamed };
    await this.json('POST', `/listeners/${encodeURIComponent(id)}/probes`, JSON.stringify(body));
  }

  /** `DELETE /listeners/:id/probes/:probe`: closes the probe window (404 when it was not open). */
  async endProbe(id: string, probe: string): Promise<void> {
    await this.json('DELETE', `/listeners/${encodeURIComponent(id)}/probes/${encodeURIComponent(probe)}`);
  }

  /** `GET /verify/latest`: the latest verify report the farm was handed; null before any. */
  async latestVerifyReport(): Promise<VerifyReport | null> {
    try {
      return await this.json('GET', '/verify/latest');
    } catch (error) {
      if (error instanceof ControlApiError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * `GET /events`: the event stream as an async iterator (`for await (const { event, stats } of client.events())`);
   * it ends when the farm closes the stream, `signal` aborts, or the loop breaks.
   */
  async *events(options: EventOptions = {}): AsyncGenerator<StreamedEvent> {
    const params = new URLSearchParams();
    if (options.listener !== undefined) params.set('listener', options.listener);
    if (options.replay) params.set('replay', '1');
    const search = params.size > 0 ? `?${params}` : '';
    const response = await fetch(`${this.base}/events${search}`, {
      headers: this.headers({ accept: 'text/event-stream' }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok || !response.body) throw await apiError(response);
    try {
      for await (const message of serverSentEvents(response.body)) {
        if (message.type === 'listener-event') yield JSON.parse(message.data);
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...extra, ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) };
  }

  /** One request; resolves with the parsed JSON answer. @throws ControlApiError for an error status. */
  private async json(method: string, path: string, body?: string) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: this.headers({ accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) }),
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    if (!response.ok) throw await apiError(response);
    return response.json();
  }
}

/** The ControlApiError of an error answer: its `{"error": …}` line, or the status text when the body is not that. */
async function apiError(response: Response): Promise<ControlApiError> {
  const text = await response.text().catch(() => '');
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && typeof parsed.error === 'string') message = parsed.error;
  } catch {
    // Not the API's JSON (a proxy in between): the status says enough.
  }
  return new ControlApiError(response.status, message);
}
