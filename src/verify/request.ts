import type { Scenario } from '../catalogue.js';
import { DEFAULT_TIMEOUTS } from '../config/common.js';

/** What to send through the intermediary for one listener, and how much of the answer to read. */
export interface VerifyRequest {
  method: 'GET' | 'POST';
  /** Appended to the listener's route (after the probe suffix), e.g. `status/503`; default nothing. */
  pathSuffix?: string;
  /** POST: bytes of request body, sent with Content-Length and no `Expect: 100-continue`. */
  bodyBytes?: number;
  /** Stop reading (and end the connection) once this many body bytes came: the response counts as complete. */
  maxBodyBytes?: number;
}

/** Request body POSTed where a scenario only faults on one: larger than loopback's socket buffers (32 MiB receive + 4 MiB send here), bytes. */
export const POST_BODY_BYTES = 64 * 1024 * 1024;

/** Body bytes read of an oversized body before the client ends the connection (enough to show the intermediary streams). */
export const OVERSIZED_READ_BYTES = 1024 * 1024;

/** slow-drip's defaults (src/listeners/http/params.ts): ms between chunks, bytes per chunk. */
const SLOW_DRIP_DEFAULTS = { intervalMs: 2_000, chunkBytes: 1024 };

const numberParam = (params: Record<string, unknown>, name: string, fallback: number): number => {
  const value = params[name];
  return typeof value === 'number' ? value : fallback;
};

/**
 * The request `verify` sends through an intermediary for a listener of `scenario`: the one place that knows which
 * scenarios need more than `GET <route>` with the whole body read.
 * - request-body-not-read, request-body-reset fault only on a request body: a POST of `POST_BODY_BYTES`;
 * - oversized-body (25 GiB): read `OVERSIZED_READ_BYTES`, then end the connection;
 * - slow-drip: read the chunks that span one read timeout of the intermediary (`readTimeoutS`, default the generated
 *   configurations' 3 s) and a second more, which shows that its read timeout is between bytes, not in all; then end;
 * - origin-status: `…/status/503`, a well-formed origin error (which an intermediary passes on, not its own error);
 * - everything else: GET and the whole body (the client's `--timeout` bounds it).
 */
export function requestFor(scenario: Pick<Scenario, 'mechanism' | 'params'> | undefined, readTimeoutS: number = DEFAULT_TIMEOUTS.readTimeoutS): VerifyRequest {
  if (scenario?.mechanism !== 'http-fault') return { method: 'GET' };
  const { params } = scenario;
  switch (params.fault) {
    case 'request-body-not-read':
    case 'request-body-reset':
      return { method: 'POST', bodyBytes: POST_BODY_BYTES };
    case 'status':
      return { method: 'GET', pathSuffix: 'status/503' };
    case 'oversized-body':
      return { method: 'GET', maxBodyBytes: OVERSIZED_READ_BYTES };
    case 'slow-drip': {
      const interval = numberParam(params, 'intervalMs', SLOW_DRIP_DEFAULTS.intervalMs);
      const chunks = Math.ceil(((readTimeoutS + 1) * 1000) / Math.max(interval, 1)) + 1;
      return { method: 'GET', maxBodyBytes: chunks * numberParam(params, 'chunkBytes', SLOW_DRIP_DEFAULTS.chunkBytes) };
    }
    default:
      return { method: 'GET' };
  }
}
