import type { Socket } from 'node:net';
import { headTimeoutDetail } from './caps.js';
import type { Mechanism } from './mechanism.js';
import { DEFAULT_HEAD_LIMITS, readRequestHead, type HeadFailure, type HeadLimits } from './http/request-head.js';
import { HTTP_FAULT_PARAMS_SCHEMA, withOverrides, type HttpFaultKind, type HttpFaultParams } from './http/params.js';
import { requestEvent } from './http/request-event.js';
import { SCENARIO_HEADER, sendAndClose, simpleResponse } from './http/response.js';
import type { Behaviour, FaultContext, ListenerState } from './http/faults/context.js';
import { healthFailing, healthFlapping, illegalVary, ok, redirectLoop, staleThenFail, status } from './http/faults/cacheable.js';
import { connectionHold, requestBodyNotRead, requestBodyReset, slowDrip, slowFirstByte, stallMidBody } from './http/faults/timing.js';
import { badChunked, conflictingContentLength, garbageResponse, headerOverflow, malformedStatusLine, truncatedBody } from './http/faults/malformed.js';
import { oversizedBody } from './http/faults/oversized.js';

export type { HttpFaultParams, HttpFaultKind } from './http/params.js';

/** The behaviour of each fault (src/listeners/http/faults/). */
const BEHAVIOURS: Record<HttpFaultKind, Behaviour> = {
  ok,
  status,
  'slow-first-byte': slowFirstByte,
  'stall-mid-body': stallMidBody,
  'slow-drip': slowDrip,
  'request-body-not-read': requestBodyNotRead,
  'request-body-reset': requestBodyReset,
  'illegal-vary': illegalVary,
  'oversized-body': oversizedBody,
  'truncated-body': truncatedBody,
  'bad-chunked': badChunked,
  'garbage-response': garbageResponse,
  'malformed-status-line': malformedStatusLine,
  'header-overflow': headerOverflow,
  'conflicting-content-length': conflictingContentLength,
  'health-failing': healthFailing,
  'health-flapping': healthFlapping,
  'stale-then-fail': staleThenFail,
  'connection-hold': connectionHold,
  'redirect-loop': redirectLoop,
};

function freshState(): ListenerState {
  const now = Date.now();
  return { since: performance.now(), served: 0, lastModified: new Date(now - (now % 1000)) };
}

/** The farm flag behind each head failure that is a cap rather than a malformed request. */
const CAP_FLAGS: Partial<Record<HeadFailure, string>> = { 'head-too-large': '--max-header-bytes', 'too-many-headers': '--max-headers' };

/**
 * HTTP response faults, what an origin does wrong once the connection is up (fastly-generated-errors § Errors in VCL): `params.fault` picks the behaviour,
 * the other params its timings and sizes, overridable per request from the query string (`?delay_ms=1500`, see
 * `OVERRIDES`). The request head is read by a bounds-checked reader (src/listeners/http/request-head.ts: 8 KiB
 * request line, a head of the farm's `--max-header-bytes` and `--max-headers`, within `--head-timeout-ms` or the
 * scenario's `headTimeoutMs`); a bad head gets a 400 and a close, a slow or vanished client just a close. Responses are written byte-exactly on the socket (node:http would refuse most of them), one request per
 * connection (`Connection: close`). A listener's state (health-flapping's clock, stale-then-fail's first request)
 * is its own, and `reset()` starts it over.
 */
export const httpFaultMechanism: Mechanism<HttpFaultParams> = {
  name: 'http-fault',
  transport: 'http',
  paramsSchema: HTTP_FAULT_PARAMS_SCHEMA,
  leafSpecs: () => [],
  servesValidLeaf: () => false,
  create(params, context) {
    let state = freshState();
    const limits: HeadLimits = {
      maxLineBytes: Math.min(DEFAULT_HEAD_LIMITS.maxLineBytes, context.caps.maxHeaderBytes),
      maxHeadBytes: context.caps.maxHeaderBytes,
      maxHeaders: context.caps.maxHeaders,
      timeoutMs: params.headTimeoutMs ?? context.caps.headTimeoutMs,
    };
    const behaviour = BEHAVIOURS[params.fault];
    const handle = async (socket: Socket, raw: Socket) => {
      const base = { id: context.id, socket, raw, state, fault: (detail: string) => context.emit({ type: 'fault', detail }) };
      if (params.fault === 'connection-hold') {
        return behaviour({ ...base, head: { method: '', target: '', path: '', query: new URLSearchParams(), version: '', headers: [], headBytes: 0 }, rest: Buffer.alloc(0), params });
      }
      const read = await readRequestHead(socket, limits);
      if (!read.ok) {
        if (read.failure === 'closed' || read.failure === 'timeout') {
          if (read.failure === 'timeout') {
            context.emit({ type: 'fault', detail: params.headTimeoutMs ? `bad request: ${read.detail}, closed (headTimeoutMs)` : headTimeoutDetail(limits.timeoutMs) });
          }
          return void socket.destroy();
        }
        const cap = CAP_FLAGS[read.failure];
        context.emit({ type: 'fault', detail: cap ? `cap: ${read.detail}, 400 (${cap})` : `bad request: ${read.detail}, 400` });
        return sendAndClose(socket, simpleResponse(400, `badorigin ${context.id}: bad request: ${read.detail}\n`));
      }
      context.emit(requestEvent(read.head.method, read.head.target, read.head.headers, limits.maxHeaders));
      const resolved = withOverrides(params, read.head.query);
      if ('error' in resolved) {
        return sendAndClose(socket, simpleResponse(400, `badorigin ${context.id}: ${resolved.error}\n`, [[SCENARIO_HEADER, context.id]]));
      }
      state.served += 1;
      const faultContext: FaultContext = { ...base, head: read.head, rest: read.rest, params: resolved.params };
      await behaviour(faultContext);
    };
    return {
      onConnection(socket, raw) {
        handle(socket, raw).catch((error: Error) => {
          context.emit({ type: 'handler-error', error: error.message });
          socket.destroy();
        });
      },
      reset() {
        state = freshState();
      },
    };
  },
};
