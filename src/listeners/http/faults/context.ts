import type { Socket } from 'node:net';
import type { RequestHead } from '../request-head.js';

/** State one listener keeps across requests (health-flapping, stale-then-fail); `reset()` starts it over. */
export interface ListenerState {
  /** `performance.now()` when the listener started or was last reset, in ms. */
  since: number;
  /** Requests answered since then. */
  served: number;
  /** Last-Modified of the listener's cacheable responses (its start, to the second). */
  lastModified: Date;
}

/** One request as every behaviour gets it. */
export interface RequestContext {
  /** Listener id, for the X-Badorigin-Scenario header and bodies. */
  id: string;
  /** The connection (the TLS socket on a `-tls` listener). */
  socket: Socket;
  /** The TCP socket underneath, for RSTs. */
  raw: Socket;
  head: RequestHead;
  /** Request bytes read past the head (the start of a body). */
  rest: Buffer;
  state: ListenerState;
  /** The farm's `--max-hold-ms`: the longest a connection stays open, in ms (a bound on any pause a request asks for). */
  maxHoldMs: number;
  /** Reports what the listener did as a `fault` event. */
  fault(detail: string): void;
}

/** Everything a behaviour gets for one request: the request and its fault's params, overrides and defaults applied. */
export interface FaultContext<P> extends RequestContext {
  params: P;
}
