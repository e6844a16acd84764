import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/** One target of the watchdog: a plain HTTP URL, or an HTTPS one with the CA and SNI to check it with. */
export interface PingTarget {
  name: string;
  url: string;
  tls?: { ca: string; servername: string };
}

/** One ping: when it started (ms since the epoch), how long the whole 200 response took (ms), or why it failed. */
export interface Ping {
  target: string;
  at: number;
  ms: number;
  error?: string;
}

/**
 * GETs `target.url` on a connection of its own (no keep-alive: every ping goes through accept, and for TLS the
 * handshake, as a new client's would) and resolves once the whole body has arrived. Never rejects: a non-200, an
 * error or no complete answer within `timeoutMs` is a Ping with `error`.
 */
export function ping(target: PingTarget, timeoutMs: number): Promise<Ping> {
  const at = Date.now();
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      resolve({ target: target.name, at, ms: Math.round((performance.now() - started) * 10) / 10, ...(error ? { error } : {}) });
    };
    const options = {
      agent: false as const,
      timeout: timeoutMs,
      ...(target.tls ? { ca: target.tls.ca, servername: target.tls.servername } : {}),
    };
    const request = (target.tls ? httpsGet : httpGet)(target.url, options, (response) => {
      response.resume();
      response.on('end', () => finish(response.statusCode === 200 ? undefined : `status ${response.statusCode}`));
      response.on('error', (error) => finish(error.message));
    });
    const timer = setTimeout(() => {
      finish(`no answer within ${timeoutMs} ms`);
      request.destroy();
    }, timeoutMs);
    request.on('close', () => clearTimeout(timer));
    request.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}
