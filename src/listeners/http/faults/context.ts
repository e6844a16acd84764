import type { Socket } from 'node:net';
import type { RequestHead } from '../request-head.js';
import type { HttpFaultParams } from '../params.js';

/** State one listener keeps across requests (health-flapping, stale-then-fail); `reset()` starts it over. */
export interface ListenerState {
  /** `performance.now()` when the listener started or was last reset, in ms. */
  since: number;
  /** Requests answered since then. */
  served: number;
  /** Last-Modified of the listener's cacheable responses (its start, to the second). */
  lastModified: Date;
}

/** Everything a behaviour gets for one request. */
export interface FaultContext {
  /** Listener id, for the X-Badorigin-Scenario header and bodies. */
  id: string;
  /** The connection (the TLS socket on a `-tls` listener). */
  socket: Socket;
  /** The TCP socket underneath, for RSTs. */
  raw: Socket;
  head: RequestHead;
  /** Request bytes read past the head (the start of a body). */
  rest: Buffer;
  /** The scenario's params with this request's overrides applied. */
  params: HttpFaultParams;
  state: ListenerState;
  /** Reports what the listener did as a `fault` event. */
  fault(detail: string): void;
}

/** A behaviour: answers (or deliberately does not answer) one request. May return a promise; must not throw for bad input. */
export type Behaviour = (context: FaultContext) => void | Promise<void>;
