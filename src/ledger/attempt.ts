import { Type, type Static } from 'typebox';
import { ServerHelloSent } from '../listeners/connection/server-hello.js';
import { ResponseHeadSent } from '../listeners/http/response-head.js';

/**
 * The ClientHello as the ledger records it (the parser's `ClientHelloSummary`, src/tls/client-hello.ts): SNI
 * (RFC 6066 §3) or null, legacy_version, supported_versions (RFC 8446 §4.2.1), cipher suites as IANA code points,
 * ALPN (RFC 7301), JA3 string and its MD5.
 */
export const ClientHelloRecord = Type.Object({
  sni: Type.Union([Type.String(), Type.Null()]),
  version: Type.String(),
  supportedVersions: Type.Array(Type.String()),
  cipherSuites: Type.Array(Type.Integer()),
  alpn: Type.Array(Type.String()),
  ja3: Type.String(),
  ja3Hash: Type.String(),
});

/**
 * One HTTP request head the farm read on a connection: time (ms since the epoch), request line, header fields in
 * order (names lower-cased), and the probe the request itself names (its `X-Badorigin-Probe` header or `/__probe/<id>`
 * path suffix), if any: a connection an intermediary re-uses can carry requests of several probes.
 */
export const RequestRecord = Type.Object({
  at: Type.Number(),
  method: Type.String(),
  target: Type.String(),
  headers: Type.Array(Type.Tuple([Type.String(), Type.String()])),
  probe: Type.Optional(Type.String()),
});

/**
 * What the farm's TLS server sent in its first flight (`ServerHelloSent`, src/listeners/connection/server-hello.ts:
 * version, cipher, ALPN, the summary of the certificate chain served), and `at`, when the handshake completed or
 * failed after it (ms since the epoch).
 */
export const ServerHelloRecord = Type.Object({ at: Type.Number(), ...ServerHelloSent.properties });

/**
 * One HTTP response head the farm wrote (`ResponseHeadSent`, src/listeners/http/response-tap.ts: status line, header
 * fields, bytes, bounded) and `at`, when its empty line (or its last recorded byte) was written, ms since the epoch.
 */
export const ResponseRecord = Type.Object({ at: Type.Number(), ...ResponseHeadSent.properties });

/** One DNS query a DNS listener answered: time (ms since the epoch), name, type, transport and the answer given. */
export const DnsQueryRecord = Type.Object({
  at: Type.Number(),
  name: Type.String(),
  type: Type.String(),
  transport: Type.Union([Type.Literal('udp'), Type.Literal('tcp')]),
  answer: Type.String(),
});

/** What an action that is not the listener's own fault reports (see `Attempt.actions`). */
export const ActionKind = Type.Union([Type.Literal('tls-error'), Type.Literal('handler-error')]);

/**
 * One attempt: what the farm saw of one TCP connection (or, for a DNS listener, one query) on a listener, from the
 * listener's events. Times are ms since the epoch; bytes are counted on the TCP socket.
 */
export const Attempt = Type.Object({
  /** Farm-wide number of the connection (DNS queries over UDP get numbers from the same sequence). */
  connection: Type.Integer(),
  listener: Type.String(),
  /** Accept time. */
  startedAt: Type.Number(),
  /** Peer address as `ip:port`. */
  peer: Type.String(),
  clientHello: Type.Optional(ClientHelloRecord),
  /** When the ClientHello was read. */
  clientHelloAt: Type.Optional(Type.Number()),
  requests: Type.Array(RequestRecord),
  /** What the farm sent on a TLS listener before anything else (absent when it refused the ClientHello outright). */
  serverHello: Type.Optional(ServerHelloRecord),
  /** The HTTP response heads the farm wrote, in order. */
  responses: Type.Optional(Type.Array(ResponseRecord)),
  /**
   * What happened, in order: the listener's `fault` events (`reset`, `alert 40`, `held 60000 ms`…), and with `kind`
   * the errors reported on the connection (`tls-error`: the client's alert or reset during the handshake;
   * `handler-error`: the listener's own failure), `detail` then being the error code or message.
   */
  actions: Type.Array(
    Type.Object({
      at: Type.Number(),
      detail: Type.String(),
      kind: Type.Optional(ActionKind),
      /** For a `fault` that sent a TLS alert: the AlertDescription the farm sent (RFC 8446 §6). Alerts the client sent are `tls-error`s. */
      alert: Type.Optional(Type.Integer()),
    }),
  ),
  dns: Type.Optional(DnsQueryRecord),
  /**
   * Set when the connection ended: when, who closed first (`client`: its FIN, on a TLS listener its close_notify or
   * FIN, before the farm closed; `farm`; `error`: reset or failure).
   */
  closedAt: Type.Optional(Type.Number()),
  closedBy: Type.Optional(Type.Union([Type.Literal('client'), Type.Literal('farm'), Type.Literal('error')])),
  bytesIn: Type.Optional(Type.Integer()),
  bytesOut: Type.Optional(Type.Integer()),
  /**
   * The probe this attempt belongs to (`verify` sends an `X-Badorigin-Probe` header and a path suffix): set from the
   * request when it carries one, or by the probe window of the listener otherwise (unless its requests are health
   * checks or unrelated, see `windowKeeps` in src/ledger/probe.ts); absent for traffic outside any probe (health
   * checks, unrelated clients), which is kept but never counted as an attempt of a probe.
   */
  probe: Type.Optional(Type.String()),
  /**
   * Under a scenario's `behaviour` (failFirst, every, probability, phases): whether this connection got the
   * listener's fault or its control (the healthy tls-ok or http-ok); absent for a listener without one.
   */
  behaviour: Type.Optional(Type.Union([Type.Literal('fault'), Type.Literal('control')])),
  /**
   * With `behaviour`: the count or phase that decided it, as the behaviour's chooser says (`failFirst 2: connection 1`,
   * `every 3: connection 6`, `probability 0.3, seed 7: connection 4 drew 0.1234`, `phase 2 of 2, 40 ms in`).
   */
  behaviourDetail: Type.Optional(Type.String()),
  /**
   * Requests, responses and actions past the most one attempt keeps (`MAX_REQUESTS_PER_ATTEMPT`,
   * `MAX_RESPONSES_PER_ATTEMPT`, `MAX_ACTIONS_PER_ATTEMPT`).
   */
  requestsOmitted: Type.Optional(Type.Integer()),
  responsesOmitted: Type.Optional(Type.Integer()),
  actionsOmitted: Type.Optional(Type.Integer()),
});

/** One attempt record (see `Attempt`). */
export type Attempt = Static<typeof Attempt>;
export type RequestRecord = Static<typeof RequestRecord>;
export type ServerHelloRecord = Static<typeof ServerHelloRecord>;
export type ResponseRecord = Static<typeof ResponseRecord>;
export type DnsQueryRecord = Static<typeof DnsQueryRecord>;
export type ClientHelloRecord = Static<typeof ClientHelloRecord>;
export type ActionKind = Static<typeof ActionKind>;
