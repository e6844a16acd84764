import { Type, type TSchema } from 'typebox';
import { MAX_DELAY_MS } from '../caps.js';

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

/**
 * The parameter schemas HTTP faults share (each fault module takes the ones it reads into its own params); the
 * per-request overrides below take their bounds from them.
 */
export const PARAM = {
  /** A delay or interval, in ms. */
  delayMs: Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS }),
  /** A Content-Length announced, in bytes. */
  contentLength: Type.Integer({ minimum: 1, maximum: MAX_BODY_BYTES }),
  /** Body bytes actually sent. */
  sentBytes: Type.Integer({ minimum: 0, maximum: MAX_BODY_BYTES }),
  chunks: Type.Integer({ minimum: 1, maximum: MAX_CHUNKS }),
  /** Bytes of one chunk. */
  chunkBytes: Type.Integer({ minimum: 1, maximum: MAX_CHUNK_BYTES }),
  /** A body size, in bytes. */
  sizeBytes: Type.Integer({ minimum: 0, maximum: MAX_BODY_BYTES }),
  encoding: Type.Enum(['content-length', 'chunked']),
  variant: Type.Enum(['bad-size', 'missing-crlf', 'no-last-chunk']),
  /** Total bytes of header fields. */
  headerBytes: Type.Integer({ minimum: 0, maximum: MAX_HEADER_BYTES }),
  /** Cache-Control max-age, in seconds. */
  maxAgeS: Type.Integer({ minimum: 0, maximum: MAX_AGE_S }),
  /** A status a failing or default answer carries. */
  status: Type.Integer({ minimum: 200, maximum: 599 }),
} as const;

/** The params every HTTP fault takes besides its own. */
export const SHARED_PARAMS = {
  /** ms a client has to send a complete request head (default the farm's --head-timeout-ms); not connection-hold. */
  headTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
};

/** A query parameter that overrides one param for one request, with its inclusive bounds. */
export interface Override {
  query: string;
  param: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

/** The bounds of an integer or enum schema, read from the schema itself. */
function bounds(schema: TSchema): Pick<Override, 'min' | 'max' | 'values'> {
  if ('enum' in schema && Array.isArray(schema.enum)) return { values: schema.enum.map(String) };
  const min = 'minimum' in schema && typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = 'maximum' in schema && typeof schema.maximum === 'number' ? schema.maximum : undefined;
  return { min, max };
}

function override<const K extends string>(query: string, param: K, schema: TSchema): Override & { param: K } {
  return { query, param, ...bounds(schema) };
}

/**
 * Per-request overrides (`?delay_ms=1500&size=1048576`): the query grammar of every HTTP fault listener. A value
 * outside its bounds gets a 400 from any fault; a fault applies the ones of its params it declares.
 */
export const OVERRIDES = [
  override('delay_ms', 'delayMs', PARAM.delayMs),
  override('content_length', 'contentLength', PARAM.contentLength),
  override('sent_bytes', 'sentBytes', PARAM.sentBytes),
  override('chunks', 'chunks', PARAM.chunks),
  override('chunk_bytes', 'chunkBytes', PARAM.chunkBytes),
  override('interval_ms', 'intervalMs', PARAM.delayMs),
  override('size', 'sizeBytes', PARAM.sizeBytes),
  override('encoding', 'encoding', PARAM.encoding),
  override('variant', 'variant', PARAM.variant),
  override('header_bytes', 'headerBytes', PARAM.headerBytes),
  override('max_age', 'maxAgeS', PARAM.maxAgeS),
];

/** A param a query parameter can override. */
export type OverrideParam = (typeof OVERRIDES)[number]['param'];

/**
 * Reads the per-request overrides of `query` (unknown query parameters are ignored: proxies add their own).
 * @returns the overriding values by param name, or an error text naming the bad parameter and its bounds.
 */
export function readOverrides(query: URLSearchParams): { values: Record<string, string | number> } | { error: string } {
  const values: Record<string, string | number> = {};
  for (const override of OVERRIDES) {
    const raw = query.get(override.query);
    if (raw === null) continue;
    if (override.values) {
      if (!override.values.includes(raw)) return { error: `${override.query} must be one of ${override.values.join(', ')}` };
      values[override.param] = raw;
      continue;
    }
    const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < (override.min ?? 0) || value > (override.max ?? Number.MAX_SAFE_INTEGER)) {
      return { error: `${override.query} must be a whole number from ${override.min ?? 0} to ${override.max}` };
    }
    values[override.param] = value;
  }
  return { values };
}
