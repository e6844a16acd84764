import type { Socket } from 'node:net';
import type { Pki, ServedChain } from '../pki/index.js';
import type { FarmNames } from '../placeholders.js';
import type { ClientHelloSummary } from '../tls/client-hello.js';
import type { ServerHelloSent } from './connection/server-hello.js';
import type { ResponseHeadSent } from './http/response-head.js';
import type { ListenerCaps } from './caps.js';
import type { ConnectionBudget } from './connection-budget.js';

/** Kinds of listener events. */
export type ListenerEventType =
  | 'connection'
  | 'client-hello'
  /** What the farm's TLS server sent in its first flight: version, cipher, ALPN, the certificate chain. */
  | 'server-hello'
  /** The head of an HTTP response the farm wrote (status line and header fields, bounded). */
  | 'response'
  | 'fault'
  | 'request'
  | 'tls-error'
  | 'handler-error'
  | 'close'
  /** Under a scenario's `behaviour`: whether this connection gets the fault or the control. */
  | 'behaviour'
  /** The farm started, changed the params of, or stopped this listener while running (src/running-listeners.ts). */
  | 'listener-added'
  | 'listener-changed'
  | 'listener-removed';

/** One DNS query as a `request` event carries it: name (lower case, no trailing dot), type, transport, answer. */
export interface DnsQueryEvent {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
  /** What went back, in one line: `NOERROR A 127.0.0.1`, `NXDOMAIN`, `no reply`, `after 3000 ms: NOERROR …`. */
  answer: string;
}

/** An event a listener reports (the event log, the control API and `farm.waitFor` carry these). */
export interface ListenerEvent {
  /** Listener id. */
  listener: string;
  type: ListenerEventType;
  /** Milliseconds since the epoch. */
  time: number;
  /** Farm-wide number of the TCP connection the event belongs to, when known. */
  connection?: number;
  /** Peer address as `ip:port`, for `connection` and a DNS query. */
  peer?: string;
  /** Error code or message, for `tls-error` and `handler-error`. */
  error?: string;
  /**
   * For `fault`: what the listener did (e.g. `reset`, `fin`, `alert 40`); for `request`: `METHOD /path`; for
   * `behaviour`: the count or phase that decided (`failFirst 2: connection 1`); for `listener-changed`: what changed.
   */
  detail?: string;
  /**
   * For an HTTP `request`: the request line's method and target, and the head's header fields in order (names
   * lower-cased; bounded: see src/listeners/http/request-event.ts).
   */
  method?: string;
  target?: string;
  headers?: [string, string][];
  /** For a DNS listener's `request` (one query): the question, the transport, and the answer given. */
  dns?: DnsQueryEvent;
  /** For `behaviour`: what the connection gets, the listener's fault or its control (src/listeners/control.ts). */
  behaviour?: 'fault' | 'control';
  /** For `client-hello`. */
  clientHello?: ClientHelloSummary;
  /** For `server-hello`. */
  serverHello?: ServerHelloSent;
  /** For `response`. */
  response?: ResponseHeadSent;
  /** For a `fault` that sent a TLS alert: its AlertDescription (RFC 8446 §6), the alert the farm sent. */
  alert?: number;
  /** For `close`: who ended the connection first (`client` sent FIN, `farm` closed it, `error` reset or failed). */
  by?: 'client' | 'farm' | 'error';
  /** For `close`: connection lifetime in ms, and bytes received from / sent to the client. */
  durationMs?: number;
  bytesIn?: number;
  bytesOut?: number;
}

/** What a mechanism gets to build one listener's behaviour. */
export interface MechanismContext {
  /** Listener id (the scenario id, or `<scenario>-tls`). */
  id: string;
  pki: Pki;
  /** The user's own certificate (`--tls-cert`/`--tls-key`), served instead of the farm's `valid` leaf. */
  userCertificate: ServedChain | null;
  /** The farm hostnames and IPs, for placeholders in params (src/placeholders.ts). */
  names: FarmNames;
  /** Reports an event on the farm's event stream. */
  emit(event: Omit<ListenerEvent, 'listener' | 'time'>): void;
  /**
   * The farm's per-listener caps; mechanisms that read HTTP requests apply `maxHeaderBytes`, `maxHeaders` and
   * `headTimeoutMs`, those that complete or read a TLS handshake `handshakeTimeoutMs`.
   */
  caps: ListenerCaps;
  /**
   * The farm-wide connection budget (`--max-open-connections`): the farm's own listeners take a slot per accepted
   * connection; a PortOwner that accepts TCP connections itself must do the same (src/listeners/connection-budget.ts).
   */
  connectionBudget: ConnectionBudget;
}

/** A listener's behaviour: called once for every accepted TCP connection. It must never throw for bad input. */
export interface ConnectionHandler {
  /**
   * @param socket the connection: the TCP socket, or the TLS socket when the farm terminates TLS in front of the
   *   handler (a `<scenario>-tls` listener).
   * @param raw the TCP socket under `socket` (the same object without TLS): what `resetAndDestroy()` must be
   *   called on to send an RST.
   */
  onConnection(socket: Socket, raw: Socket): void;
  /** Resets the listener's state (health-flapping, stale-then-fail…); `POST /listeners/:id/reset` calls it. */
  reset?(): void;
}

/**
 * A behaviour that owns its port instead of accepting connections on the farm's ordinary listener: it binds (or
 * deliberately does not bind) in its own way, e.g. `connect-timeout` (a socket whose accept queue is never drained).
 */
export interface PortOwner {
  /**
   * Takes `host:port` (0 = ephemeral) and resolves with the port it stands on.
   * @throws FarmError when the port cannot be had.
   */
  listen(host: string, port: number): Promise<number>;
  /** Releases the port and everything held on it. */
  close(): Promise<void>;
  /** Set after `listen` when the listener could not be made as promised (shown in the manifest and on the terminal). */
  warning?: string;
}
