/** The behaviours of the `http-fault` mechanism: what a misbehaving origin does once the connection is up. */
export const HTTP_FAULTS = [
  'ok',
  'status',
  'slow-first-byte',
  'stall-mid-body',
  'slow-drip',
  'request-body-not-read',
  'request-body-reset',
  'illegal-vary',
  'oversized-body',
  'truncated-body',
  'bad-chunked',
  'garbage-response',
  'malformed-status-line',
  'header-overflow',
  'conflicting-content-length',
  'health-failing',
  'health-flapping',
  'stale-then-fail',
  'connection-hold',
  'redirect-loop',
] as const;

export type HttpFaultKind = (typeof HTTP_FAULTS)[number];

/** Variants of `bad-chunked`: a size line that is not hex, a chunk not followed by CRLF, no last (0) chunk before FIN. */
export const BAD_CHUNKED_VARIANTS = ['bad-size', 'missing-crlf', 'no-last-chunk'] as const;

/**
 * `params` of the `http-fault` mechanism (a scenario file's `params`). Only `fault` is required; every timing and
 * size has a default (below) and most can be overridden per request from the query string (`OVERRIDES`).
 */
export interface HttpFaultParams {
  fault: HttpFaultKind;
  /** slow-first-byte: ms between the end of the request head and the first response byte (default 60,000). */
  delayMs?: number;
  /** stall-mid-body, truncated-body: Content-Length announced, bytes (default 1 MiB). */
  contentLength?: number;
  /** stall-mid-body, truncated-body: body bytes actually sent (default 1024), then stall / FIN. */
  sentBytes?: number;
  /** slow-drip: number of body chunks (default 30). */
  chunks?: number;
  /** slow-drip: bytes per chunk (default 1024). */
  chunkBytes?: number;
  /** slow-drip: ms between chunks (default 2,000: under Fastly's 10 s and Varnish's 60 s between-bytes timeouts). */
  intervalMs?: number;
  /** oversized-body: body size in bytes (default 25 GiB). */
  sizeBytes?: number;
  /** oversized-body: `content-length` (default) or `chunked` framing. */
  encoding?: 'content-length' | 'chunked';
  /** illegal-vary: the Vary value, written as is (default `Accept-Encoding User-Agent`). */
  vary?: string;
  /** bad-chunked: which malformation (default `bad-size`). */
  variant?: (typeof BAD_CHUNKED_VARIANTS)[number];
  /** malformed-status-line: the status line, written as is before CRLF (default `HTTP/1.1 2OO OK`). */
  statusLine?: string;
  /** garbage-response: the bytes sent before FIN, as text (default an SSH-like banner and binary noise). */
  garbage?: string;
  /** header-overflow: total bytes of the filler header fields (default 128 KiB). */
  headerBytes?: number;
  /** header-overflow: `many` (1 KiB fields, default: past limits on the whole head) or `single` (one field: past limits per field). */
  headerShape?: 'many' | 'single';
  /** conflicting-content-length: the Content-Length values, in order (default [16, 32]). */
  contentLengths?: number[];
  /** health-failing, health-flapping, stale-then-fail: the failing status (default 503). */
  failStatus?: number;
  /** health-flapping: ms of each healthy or failing phase (default 10,000); healthy first. */
  periodMs?: number;
  /** ok, illegal-vary, stale-then-fail: Cache-Control max-age in seconds (default 60; stale-then-fail 5). */
  maxAgeS?: number;
  /** status: the status of a path without `/status/<code>` (default 200). */
  defaultStatus?: number;
  /** Every fault but connection-hold: ms a client has to send a complete request head (default 10,000). */
  headTimeoutMs?: number;
}

/** Cap of every delay and interval, in ms (the farm's default --max-hold-ms: 10 minutes). */
export const MAX_DELAY_MS = 600_000;
/**
 * Cap of every body size (`content_length`, `sent_bytes`, `size`), in bytes: 1 TiB. Bodies are generated from one
 * shared block as fast as the client reads, so a large size costs time, never memory.
 */
export const MAX_BODY_BYTES = 2 ** 40;
/** Cap of slow-drip's `chunks`. */
export const MAX_CHUNKS = 100_000;
/** Cap of slow-drip's `chunk_bytes`, in bytes: 1 MiB. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** Cap of header-overflow's `header_bytes`, in bytes: 1 MiB (curl's own limit is 300 KiB). */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** Cap of `max_age`, in seconds: one year. */
export const MAX_AGE_S = 31_536_000;

/** A query parameter that overrides one param for one request, with its inclusive bounds. */
export interface Override {
  query: string;
  param: keyof HttpFaultParams;
  min?: number;
  max?: number;
  values?: readonly string[];
}

/** Per-request overrides (`?delay_ms=1500&size=1048576`); values outside the bounds get a 400. */
export const OVERRIDES: Override[] = [
  { query: 'delay_ms', param: 'delayMs', min: 0, max: MAX_DELAY_MS },
  { query: 'content_length', param: 'contentLength', min: 1, max: MAX_BODY_BYTES },
  { query: 'sent_bytes', param: 'sentBytes', min: 0, max: MAX_BODY_BYTES },
  { query: 'chunks', param: 'chunks', min: 1, max: MAX_CHUNKS },
  { query: 'chunk_bytes', param: 'chunkBytes', min: 1, max: MAX_CHUNK_BYTES },
  { query: 'interval_ms', param: 'intervalMs', min: 0, max: MAX_DELAY_MS },
  { query: 'size', param: 'sizeBytes', min: 0, max: MAX_BODY_BYTES },
  { query: 'encoding', param: 'encoding', values: ['content-length', 'chunked'] },
  { query: 'variant', param: 'variant', values: BAD_CHUNKED_VARIANTS },
  { query: 'header_bytes', param: 'headerBytes', min: 0, max: MAX_HEADER_BYTES },
  { query: 'max_age', param: 'maxAgeS', min: 0, max: MAX_AGE_S },
];

/** JSON Schema of `HttpFaultParams` (the catalogue checks every scenario's params against it). */
export const HTTP_FAULT_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['fault'],
  properties: {
    fault: { enum: [...HTTP_FAULTS] },
    delayMs: { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS },
    contentLength: { type: 'integer', minimum: 1, maximum: MAX_BODY_BYTES },
    sentBytes: { type: 'integer', minimum: 0, maximum: MAX_BODY_BYTES },
    chunks: { type: 'integer', minimum: 1, maximum: MAX_CHUNKS },
    chunkBytes: { type: 'integer', minimum: 1, maximum: MAX_CHUNK_BYTES },
    intervalMs: { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS },
    sizeBytes: { type: 'integer', minimum: 0, maximum: MAX_BODY_BYTES },
    encoding: { enum: ['content-length', 'chunked'] },
    vary: { type: 'string', minLength: 1, maxLength: 8192, pattern: '^[\\x20-\\x7e]*$' },
    variant: { enum: [...BAD_CHUNKED_VARIANTS] },
    statusLine: { type: 'string', maxLength: 8192, pattern: '^[^\\r\\n]*$' },
    garbage: { type: 'string', minLength: 1, maxLength: 65536 },
    headerBytes: { type: 'integer', minimum: 0, maximum: MAX_HEADER_BYTES },
    headerShape: { enum: ['many', 'single'] },
    contentLengths: { type: 'array', minItems: 2, maxItems: 16, items: { type: 'integer', minimum: 0, maximum: MAX_BODY_BYTES } },
    failStatus: { type: 'integer', minimum: 200, maximum: 599 },
    periodMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
    maxAgeS: { type: 'integer', minimum: 0, maximum: MAX_AGE_S },
    defaultStatus: { type: 'integer', minimum: 200, maximum: 599 },
    headTimeoutMs: { type: 'integer', minimum: 100, maximum: 60_000 },
  },
};

/**
 * Applies the per-request overrides of `query` to `params` (unknown query parameters are ignored: proxies add
 * their own).
 * @returns the params for this request, or an error text naming the bad parameter and its bounds.
 */
export function withOverrides(params: HttpFaultParams, query: URLSearchParams): { params: HttpFaultParams } | { error: string } {
  const result: Record<string, unknown> = { ...params };
  for (const override of OVERRIDES) {
    const raw = query.get(override.query);
    if (raw === null) continue;
    if (override.values) {
      if (!override.values.includes(raw)) return { error: `${override.query} must be one of ${override.values.join(', ')}` };
      result[override.param] = raw;
      continue;
    }
    const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < (override.min ?? 0) || value > (override.max ?? Number.MAX_SAFE_INTEGER)) {
      return { error: `${override.query} must be a whole number from ${override.min ?? 0} to ${override.max}` };
    }
    result[override.param] = value;
  }
  return { params: result as unknown as HttpFaultParams };
}
