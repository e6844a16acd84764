/**
 * The request a client sends a listener to observe its fault, where `GET /<route>` with the whole body read is not
 * enough: each HTTP fault declares its own (src/listeners/http/faults/), the reference clients, the conformance
 * suite and `verify` send it. It lives below the listeners and the manifest, which both speak of it.
 */
export interface ClientRequest {
  method: 'GET' | 'POST';
  /** Appended to the listener's route (e.g. `status/503`); default nothing. */
  pathSuffix?: string;
  /** POST: bytes of request body, sent with Content-Length and no `Expect: 100-continue`. */
  bodyBytes?: number;
  /** Stop reading (and end the connection) once this many body bytes came: the response then counts as complete. */
  maxBodyBytes?: number;
  /**
   * Content coding the client asks for (`Accept-Encoding`, RFC 9110 §12.5.3) and decodes: a body that does not
   * decode is then the client's error (curl `--compressed`, Node's zlib).
   */
  acceptEncoding?: 'gzip';
}

/** What the declared request may depend on: the client's own read timeout, in seconds (a proxy's, for the suite). */
export interface ClientLimits {
  readTimeoutS: number;
}

/**
 * Bytes of a request body that blocks its sender where a listener stops reading: more than loopback's socket
 * buffers hold (32 MiB receive + 4 MiB send on the development machine).
 */
export const BLOCKING_BODY_BYTES = 64 * 1024 * 1024;

/** The request of every listener that declares none: `GET`, the whole body. */
export const PLAIN_GET: ClientRequest = { method: 'GET' };
