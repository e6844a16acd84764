import { Type } from 'typebox';

/**
 * What the server does with ALPN (RFC 7301): `h2` selects h2 when the client offers it (a client that offers only
 * other protocols gets fatal alert 120, as node:tls does with one protocol configured); `none` ignores the extension
 * (no protocol selected: an h2-only client cannot go on) and speaks HTTP/1.1; `no-overlap` offers only `spdy/3`,
 * which no client asks for any more, so every client that sends ALPN gets fatal alert 120 no_application_protocol
 * (RFC 7301 §3.2); `h2-speaks-http1` selects h2, then answers in HTTP/1.1.
 */
export const ALPN_MODES = ['h2', 'none', 'no-overlap', 'h2-speaks-http1'] as const;

/** An ALPN mode (`ALPN_MODES`). */
export type AlpnMode = (typeof ALPN_MODES)[number];

/** The params every HTTP/2 fault takes besides its own (each fault module declares its own, with their defaults). */
export const H2_SHARED_PARAMS = {
  /** The ALPN mode of the listener (default `h2`). */
  alpn: Type.Optional(Type.Enum(ALPN_MODES)),
};
