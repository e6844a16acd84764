import type { Socket } from 'node:net';
import { capFlag, headTimeoutDetail } from './caps.js';
import { defineMechanism } from './define-mechanism.js';
import { bindFault, faultParamsSchema } from './fault-params.js';
import type { BoundFault } from './http/define-fault.js';
import type { ListenerState, RequestContext } from './http/faults/context.js';
import { HTTP_FAULTS } from './http/faults/index.js';
import { DEFAULT_HEAD_LIMITS, readRequestHead, type HeadFailure, type HeadLimits } from './http/request-head.js';
import { requestEvent } from './http/request-event.js';
import { tapResponseHead } from './http/response-tap.js';
import { SCENARIO_HEADER, sendAndClose, simpleResponse } from './http/response.js';
import type { MechanismContext } from './mechanism.js';

/** `params` of the `http-fault` mechanism: the params of exactly one of its faults, told apart by `fault`. */
export const HttpFaultParams = faultParamsSchema(HTTP_FAULTS);

/** The fault a scenario's params name, bound to them. @throws FarmError BAD_SCENARIO when no fault takes them. */
const bindHttpFault = (params: unknown): BoundFault => bindFault('http-fault', HTTP_FAULTS, params);

function freshState(): ListenerState {
  const now = Date.now();
  return { since: performance.now(), served: 0, lastModified: new Date(now - (now % 1000)) };
}

/** The farm flag behind each head failure that is a cap rather than a malformed request. */
const CAP_FLAGS: Partial<Record<HeadFailure, string>> = {
  'head-too-large': capFlag('maxHeaderBytes'),
  'too-many-headers': capFlag('maxHeaders'),
};

type Base = Omit<RequestContext, 'head' | 'rest'>;

/** Reads one request head and answers it with the fault; a bad head gets a 400, a slow or vanished client a close. */
async function serveRequest(fault: BoundFault, base: Base, limits: HeadLimits, context: MechanismContext): Promise<void> {
  const { socket } = base;
  const read = await readRequestHead(socket, limits);
  if (!read.ok) {
    if (read.failure === 'closed' || read.failure === 'timeout') {
      if (read.failure === 'timeout') {
        context.emit({
          type: 'fault',
          detail: fault.headTimeoutMs ? `bad request: ${read.detail}, closed (headTimeoutMs)` : headTimeoutDetail(limits.timeoutMs),
        });
      }
      return void socket.destroy();
    }
    const cap = CAP_FLAGS[read.failure];
    context.emit({ type: 'fault', detail: cap ? `cap: ${read.detail}, 400 (${cap})` : `bad request: ${read.detail}, 400` });
    return sendAndClose(socket, simpleResponse(400, `badorigin ${context.id}: bad request: ${read.detail}\n`));
  }
  context.emit(requestEvent(read.head.method, read.head.target, read.head.headers, limits.maxHeaders));
  const response = fault.respond(read.head.query);
  if ('error' in response) {
    return sendAndClose(socket, simpleResponse(400, `badorigin ${context.id}: ${response.error}\n`, [[SCENARIO_HEADER, context.id]]));
  }
  base.state.served += 1;
  await response.run({ ...base, head: read.head, rest: read.rest });
}

/** Holds a connection with the fault before any request (connection-hold). */
function serveUnread(fault: BoundFault, base: Base): void | Promise<void> {
  const response = fault.respond(new URLSearchParams());
  if ('error' in response) return void base.socket.destroy();
  const head = { method: '', target: '', path: '', query: new URLSearchParams(), version: '', headers: [], headBytes: 0 };
  return response.run({ ...base, head, rest: Buffer.alloc(0) });
}

/**
 * HTTP response faults, what an origin does wrong once the connection is up (fastly-generated-errors § Errors in
 * VCL): `params.fault` picks the fault (src/listeners/http/faults/, one module each), the other params its timings
 * and sizes, overridable per request from the query string (`?delay_ms=1500`, see `OVERRIDES`). The request head
 * is read by a bounds-checked reader (src/listeners/http/request-head.ts: 8 KiB request line, a head of the farm's
 * `--max-header-bytes` and `--max-headers`, within `--head-timeout-ms` or the scenario's `headTimeoutMs`); a bad
 * head gets a 400 and a close, a slow or vanished client just a close. Responses are written byte-exactly on the
 * socket (node:http would refuse most of them), one request per connection (`Connection: close`). A listener's
 * state (health-flapping's clock, stale-then-fail's first request) is its own, and `reset()` starts it over.
 */
export const httpFaultMechanism = defineMechanism({
  name: 'http-fault',
  transport: 'http',
  params: HttpFaultParams,
  clientRequest: { request: (params, client) => bindHttpFault(params).request(client) },
  create(params, context) {
    const fault = bindHttpFault(params);
    let state = freshState();
    const limits: HeadLimits = {
      maxLineBytes: Math.min(DEFAULT_HEAD_LIMITS.maxLineBytes, context.caps.maxHeaderBytes),
      maxHeadBytes: context.caps.maxHeaderBytes,
      maxHeaders: context.caps.maxHeaders,
      timeoutMs: fault.headTimeoutMs ?? context.caps.headTimeoutMs,
    };
    const handle = async (socket: Socket, raw: Socket) => {
      const base: Base = {
        id: context.id,
        socket,
        raw,
        state,
        maxHoldMs: context.caps.maxHoldMs,
        fault: (detail: string) => context.emit({ type: 'fault', detail }),
      };
      return fault.readsRequest ? serveRequest(fault, base, limits, context) : serveUnread(fault, base);
    };
    return {
      onConnection(socket, raw) {
        tapResponseHead(socket, context.emit);
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
});
