import { createHash } from 'node:crypto';
import type { RequestContext } from './faults/context.js';
import { headerValue } from './request-head.js';
import { SCENARIO_HEADER, responseHead, simpleResponse, type RawHeaders } from './response.js';

/**
 * A well-formed, cacheable 200 (RFC 9111 §3: `Cache-Control: public, max-age`, a strong `ETag`, `Last-Modified`,
 * `Date`) with a one-line body naming the listener; `If-None-Match` with the ETag gets a 304. `extra` fields go
 * after the standard ones (e.g. an illegal Vary). HEAD gets the head only.
 * @param maxAgeS max-age, in seconds.
 */
export function cacheableResponse(context: RequestContext, maxAgeS: number, extra: RawHeaders = [], label = 'cacheable 200'): Buffer {
  const body = Buffer.from(`badorigin ${context.id}: ${label}\n`);
  const etag = `"${createHash('sha256').update(body).update(context.state.lastModified.toUTCString()).digest('hex').slice(0, 16)}"`;
  const common: RawHeaders = [
    ['Date', new Date().toUTCString()],
    ['Cache-Control', `public, max-age=${maxAgeS}`],
    ['ETag', etag],
    ['Last-Modified', context.state.lastModified.toUTCString()],
    [SCENARIO_HEADER, context.id],
    ...extra,
  ];
  const match = headerValue(context.head, 'if-none-match');
  if (
    match
      ?.split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .some((t) => t === etag || t === '*')
  ) {
    return responseHead(304, [...common, ['Connection', 'close']]);
  }
  const head = responseHead(200, [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', body.length],
    ...common,
    ['Connection', 'close'],
  ]);
  return context.head.method === 'HEAD' ? head : Buffer.concat([head, body]);
}

/** A failing answer of the health scenarios: `status` (their `failStatus`), uncacheable, with `Retry-After`. */
export function failingResponse(context: RequestContext, status: number, why: string): Buffer {
  return simpleResponse(
    status,
    `badorigin ${context.id}: ${why}\n`,
    [
      ['Cache-Control', 'no-store'],
      ['Retry-After', '1'],
      [SCENARIO_HEADER, context.id],
    ],
    context.head.method === 'HEAD',
  );
}
