import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { headerValue } from '../request-head.js';
import { SCENARIO_HEADER, sendAndClose, simpleResponse, responseHead, type RawHeaders } from '../response.js';
import type { Behaviour, FaultContext } from './context.js';

/**
 * A well-formed, cacheable 200 (RFC 9111 §3: `Cache-Control: public, max-age`, a strong `ETag`, `Last-Modified`,
 * `Date`) with a one-line body naming the listener; `If-None-Match` with the ETag gets a 304. `extra` fields go
 * after the standard ones (e.g. an illegal Vary). HEAD gets the head only.
 */
export function cacheableResponse(context: FaultContext, maxAgeS: number, extra: RawHeaders = [], label = 'cacheable 200'): Buffer {
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
  if (match && match.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === etag || t === '*')) {
    return responseHead(304, [...common, ['Connection', 'close']]);
  }
  const head = responseHead(200, [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', body.length], ...common, ['Connection', 'close']]);
  return context.head.method === 'HEAD' ? head : Buffer.concat([head, body]);
}

/** A failing answer of the health scenarios: `failStatus` (default 503), uncacheable, with `Retry-After`. */
function failing(context: FaultContext, why: string): Buffer {
  const status = context.params.failStatus ?? 503;
  return simpleResponse(status, `badorigin ${context.id}: ${why}\n`, [['Cache-Control', 'no-store'], ['Retry-After', '1'], [SCENARIO_HEADER, context.id]], context.head.method === 'HEAD');
}

/** http-ok: the control, a cacheable 200. */
export const ok: Behaviour = (context) => {
  sendAndClose(context.socket, cacheableResponse(context, context.params.maxAgeS ?? 60));
};

/** The status codes `/status/<code>` accepts (RFC 9110 §15: three digits, first 1–5). */
export const STATUS_ROUTE_RANGE = { min: 100, max: 599 } as const;

/**
 * origin-status: `…/status/<code>` (anywhere at the end of the path, so a proxy's path prefix is fine) answers that
 * status, well-formed, uncacheable; 204 and 304 without a body. A 1xx is informational (RFC 9110 §15.2), never a
 * final answer: it is sent as an interim response, followed by the final `defaultStatus` response. A code that is
 * not three digits from 100 to 599 gets a 400. Other paths: `defaultStatus` (default 200).
 * fastly-generated-errors § Sources of errors: a well-formed origin error is delivered, not a Fastly error.
 */
export const status: Behaviour = (context) => {
  const match = /(?:^|\/)status\/([^/]*)\/?$/.exec(context.head.path);
  const requested = match ? (/^\d{3}$/.test(match[1]!) ? Number(match[1]) : NaN) : undefined;
  if (requested !== undefined && !(requested >= STATUS_ROUTE_RANGE.min && requested <= STATUS_ROUTE_RANGE.max)) {
    const why = `status must be ${STATUS_ROUTE_RANGE.min}-${STATUS_ROUTE_RANGE.max}`;
    context.fault(`/status/${match![1]!.slice(0, 40)}: ${why}, 400`);
    sendAndClose(context.socket, simpleResponse(400, `badorigin ${context.id}: ${why}\n`, [[SCENARIO_HEADER, context.id]]));
    return;
  }
  const interim = requested !== undefined && requested < 200 ? responseHead(requested, [[SCENARIO_HEADER, context.id]]) : Buffer.alloc(0);
  const code = requested !== undefined && requested >= 200 ? requested : (context.params.defaultStatus ?? 200);
  context.fault(interim.length ? `status ${requested}, then ${code}` : `status ${code}`);
  const common: RawHeaders = [['Date', new Date().toUTCString()], ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id]];
  if (code === 204 || code === 304) return sendAndClose(context.socket, Buffer.concat([interim, responseHead(code, [...common, ['Connection', 'close']])]));
  const extra: RawHeaders = [...common];
  if (code >= 300 && code < 400) extra.push(['Location', '/']);
  if (code === 401) extra.push(['WWW-Authenticate', 'Basic realm="badorigin"']);
  if (code === 405) extra.push(['Allow', 'GET, HEAD']);
  sendAndClose(context.socket, Buffer.concat([interim, simpleResponse(code, `badorigin ${context.id}: ${code} ${STATUS_CODES[code] ?? ''}\n`, extra, context.head.method === 'HEAD')]));
};

/**
 * illegal-vary: a cacheable 200 whose Vary Varnish's `VRY_Create` rejects (tokens separated only by whitespace, or
 * a field name over 127 bytes). fastly-generated-errors § Errors in VCL: "Illegal Vary header from backend".
 */
export const illegalVary: Behaviour = (context) => {
  const vary = context.params.vary ?? 'Accept-Encoding User-Agent';
  context.fault(`Vary: ${vary.length > 60 ? `${vary.slice(0, 60)}… (${vary.length} bytes)` : vary}`);
  sendAndClose(context.socket, cacheableResponse(context, context.params.maxAgeS ?? 60, [['Vary', vary]], 'cacheable 200 with an illegal Vary'));
};

/** redirect-loop: `302 Found` with `Location` = the request target itself. */
export const redirectLoop: Behaviour = (context) => {
  context.fault(`302 to ${context.head.target}`);
  sendAndClose(context.socket, simpleResponse(302, `badorigin ${context.id}: redirecting to myself\n`, [['Location', context.head.target], ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id]], context.head.method === 'HEAD'));
};

/** health-failing: every request, health checks included, gets `failStatus` (fastly-generated-errors: "Backend is unhealthy"). */
export const healthFailing: Behaviour = (context) => {
  context.fault(`${context.params.failStatus ?? 503} (always failing)`);
  sendAndClose(context.socket, failing(context, 'unhealthy'));
};

/** health-flapping: healthy (the cacheable 200) for `periodMs`, then failing for `periodMs`, and so on from the start or last reset. */
export const healthFlapping: Behaviour = (context) => {
  const period = context.params.periodMs ?? 10_000;
  const phase = Math.floor((performance.now() - context.state.since) / period);
  if (phase % 2 === 0) return sendAndClose(context.socket, cacheableResponse(context, 0, [], `healthy (phase ${phase})`));
  context.fault(`${context.params.failStatus ?? 503} (failing phase ${phase})`);
  sendAndClose(context.socket, failing(context, `unhealthy (phase ${phase})`));
};

/** stale-then-fail: the first request since start or reset gets a cacheable 200 (max-age `maxAgeS`, default 5), every later one fails. */
export const staleThenFail: Behaviour = (context) => {
  if (context.state.served === 1) return sendAndClose(context.socket, cacheableResponse(context, context.params.maxAgeS ?? 5, [], 'cacheable 200, the last one'));
  context.fault(`${context.params.failStatus ?? 503} (request ${context.state.served})`);
  sendAndClose(context.socket, failing(context, 'failing since the first request'));
};
