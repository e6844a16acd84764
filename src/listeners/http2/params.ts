import { Type, type Static } from 'typebox';

/** The HTTP/2 faults (src/listeners/http2/faults/), by the name a scenario's `params.fault` gives. */
export const H2_FAULT_NAMES = [
  'ok',
  'goaway-immediately',
  'goaway-mid-response',
  'rst-refused-stream',
  'rst-internal-error',
  'rst-after-headers',
  'no-server-preface',
  'settings-never-acked',
  'flow-control-stall',
  'data-after-end-stream',
  'uppercase-header',
  'connection-header',
  'bad-hpack',
  'ping-unanswered',
  'max-concurrent-streams-1',
  'idle-close',
  'headers-too-large',
  'grpc-error-status',
] as const;

/** Name of an HTTP/2 fault. */
export type H2FaultName = (typeof H2_FAULT_NAMES)[number];

/**
 * What the server does with ALPN (RFC 7301): `h2` selects h2 when the client offers it (a client that offers only
 * other protocols gets fatal alert 120, as node:tls does with one protocol configured); `none` ignores the extension
 * (no protocol selected: an h2-only client cannot go on) and speaks HTTP/1.1; `no-overlap` offers only `spdy/3`,
 * which no client asks for any more, so every client that sends ALPN gets fatal alert 120 no_application_protocol
 * (RFC 7301 §3.2); `h2-speaks-http1` selects h2, then answers in HTTP/1.1.
 */
export const ALPN_MODES = ['h2', 'none', 'no-overlap', 'h2-speaks-http1'] as const;

/** `params` schema of the `http2` mechanism. */
export const Http2Params = Type.Object(
  {
    fault: Type.Enum(H2_FAULT_NAMES),
    alpn: Type.Optional(Type.Enum(ALPN_MODES)),
    /** idle-close: ms after the last response before the connection is closed without GOAWAY (default 1000). */
    idleCloseMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
    /** headers-too-large: bytes of response header fields sent (default 160 KiB, in CONTINUATION frames). */
    headerBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 * 1024 })),
  },
  { additionalProperties: false },
);

/** `params` of the `http2` mechanism: a fault, the ALPN mode (default `h2`) and the fault's own settings. */
export type Http2Params = Static<typeof Http2Params>;

/** What a fault is made from: the listener id (named in the answers) and the scenario's params. */
export interface FaultSetup {
  id: string;
  params: Http2Params;
}
