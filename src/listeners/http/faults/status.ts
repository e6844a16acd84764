import { STATUS_CODES } from 'node:http';
import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, responseHead, sendAndClose, simpleResponse, type RawHeaders } from '../response.js';

/** The status codes `/status/<code>` accepts (RFC 9110 §15: three digits, first 1–5). */
export const STATUS_ROUTE_RANGE = { min: 100, max: 599 } as const;

/**
 * origin-status: `…/status/<code>` (anywhere at the end of the path, so a proxy's path prefix is fine) answers that
 * status, well-formed, uncacheable; 204 and 304 without a body. A 1xx is informational (RFC 9110 §15.2), never a
 * final answer: it is sent as an interim response, followed by the final `defaultStatus` response. A code that is
 * not three digits from 100 to 599 gets a 400. Other paths: `defaultStatus` (default 200). Clients ask
 * `status/503`, a well-formed origin error (which a proxy passes on, not its own error).
 * fastly-generated-errors § Sources of errors: a well-formed origin error is delivered, not a Fastly error.
 */
export const statusFault = defineHttpFault({
  name: 'status',
  params: {
    /** The status of a path without `/status/<code>` (default 200). */
    defaultStatus: Type.Optional(PARAM.status),
  },
  defaults: { defaultStatus: 200 },
  request: () => ({ method: 'GET', pathSuffix: 'status/503' }),
  behaviour(context) {
    const match = /(?:^|\/)status\/([^/]*)\/?$/.exec(context.head.path);
    const requested = match ? (/^\d{3}$/.test(match[1]!) ? Number(match[1]) : NaN) : undefined;
    if (requested !== undefined && !(requested >= STATUS_ROUTE_RANGE.min && requested <= STATUS_ROUTE_RANGE.max)) {
      const why = `status must be ${STATUS_ROUTE_RANGE.min}-${STATUS_ROUTE_RANGE.max}`;
      context.fault(`/status/${match![1]!.slice(0, 40)}: ${why}, 400`);
      sendAndClose(context.socket, simpleResponse(400, `badorigin ${context.id}: ${why}\n`, [[SCENARIO_HEADER, context.id]]));
      return;
    }
    const interim = requested !== undefined && requested < 200 ? responseHead(requested, [[SCENARIO_HEADER, context.id]]) : Buffer.alloc(0);
    const code = requested !== undefined && requested >= 200 ? requested : context.params.defaultStatus;
    context.fault(interim.length ? `status ${requested}, then ${code}` : `status ${code}`);
    const common: RawHeaders = [
      ['Date', new Date().toUTCString()],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
    ];
    if (code === 204 || code === 304)
      return sendAndClose(context.socket, Buffer.concat([interim, responseHead(code, [...common, ['Connection', 'close']])]));
    const extra: RawHeaders = [...common];
    if (code >= 300 && code < 400) extra.push(['Location', '/']);
    if (code === 401) extra.push(['WWW-Authenticate', 'Basic realm="badorigin"']);
    if (code === 405) extra.push(['Allow', 'GET, HEAD']);
    sendAndClose(
      context.socket,
      Buffer.concat([
        interim,
        simpleResponse(code, `badorigin ${context.id}: ${code} ${STATUS_CODES[code] ?? ''}\n`, extra, context.head.method === 'HEAD'),
      ]),
    );
  },
});
