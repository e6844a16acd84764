import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { runPool } from '../fuzz/pool.js';
import { ping, type PingTarget } from './ping.js';

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An attacking connection to 127.0.0.1, and what happened to it. */
export interface Held {
  socket: Socket;
  /** performance.now() when the connection (for TLS: the handshake) completed; NaN if it never did. */
  readyAt: number;
  /** performance.now() when it closed, NaN while open. */
  closedAt: number;
  /** The first bytes the farm sent (empty until then; at most what one read gave). */
  first: Buffer;
  /** Error code of the socket, if it failed. */
  error?: string;
  /** Resolves when the socket has closed, for any reason. */
  closed: Promise<void>;
}

/** Where to connect: a port on 127.0.0.1, and for TLS the CA and SNI of a full handshake. */
export interface Endpoint {
  port: number;
  tls?: { ca: string; servername: string };
}

/** What `hold` does once connected. */
export interface HoldOptions {
  /** Written once the connection (for TLS: the handshake) is up. */
  send?: Buffer | string;
  /** Destroys a connection not up by then, ms (default 10,000). */
  timeoutMs?: number;
  /** Keep reading (and discarding) instead of stopping after the first chunk: a FIN from the farm is then seen. */
  keepReading?: boolean;
}

/**
 * Connects (for `tls`, completes the handshake), writes `send` once ready, reads the first chunk the farm sends and
 * then, unless `keepReading`, stops reading (the farm's further bytes pile up in the socket buffers, as with a client
 * that never reads). Resolves once the connection is ready, or has failed or closed before that (then `readyAt` is
 * NaN). Never rejects.
 */
export function hold(endpoint: Endpoint, options: HoldOptions = {}): Promise<Held> {
  const socket: Socket = endpoint.tls
    ? tlsConnect({ host: '127.0.0.1', port: endpoint.port, ca: endpoint.tls.ca, servername: endpoint.tls.servername })
    : netConnect({ host: '127.0.0.1', port: endpoint.port });
  const held: Held = { socket, readyAt: NaN, closedAt: NaN, first: Buffer.alloc(0), closed: Promise.resolve() };
  held.closed = new Promise((resolve) => socket.once('close', () => ((held.closedAt = performance.now()), resolve())));
  socket.on('error', (error: NodeJS.ErrnoException) => (held.error ??= error.code ?? error.message));
  socket.on('data', (chunk: Buffer) => {
    if (held.first.length) return;
    held.first = chunk;
    if (!options.keepReading) socket.pause();
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 10_000);
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      held.readyAt = performance.now();
      if (options.send !== undefined) socket.write(options.send);
      resolve(held);
    });
    socket.once('close', () => (clearTimeout(timer), resolve(held)));
  });
}

/** Resolves once `held` has its first bytes from the farm or has closed, or after `timeoutMs`. */
export async function firstBytes(held: Held, timeoutMs: number): Promise<Buffer> {
  const deadline = performance.now() + timeoutMs;
  while (!held.first.length && Number.isNaN(held.closedAt) && performance.now() < deadline) await sleep(10);
  return held.first;
}

/** The status code of an HTTP/1.x response's first bytes, or a word for what came instead. */
export function statusOf(held: Held): string {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(held.first.subarray(0, 16).toString('latin1'));
  if (match) return match[1]!;
  if (held.first.length) return 'not-http';
  if (!Number.isNaN(held.closedAt)) return held.error ? `error-${held.error}` : 'closed';
  return 'no-answer';
}

/** Destroys every connection and waits (at most `timeoutMs`) until all of them have closed. */
export async function closeAll(connections: Held[], timeoutMs = 5000): Promise<void> {
  for (const c of connections) c.socket.destroy();
  await Promise.race([Promise.all(connections.map((c) => c.closed)), sleep(timeoutMs)]);
}

/** Counts of values, e.g. `{ "200": 3, "503": 1997 }`, as one line `200 3, 503 1997`. */
export function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/**
 * Sends `count` GETs to `target` (a connection each), `concurrency` at a time, and resolves with how many got a
 * whole 200 and why the others did not (stops sending once `signal` is aborted). Each one the farm answers is also a
 * few events (connection, request, close) on its event stream.
 */
export async function getMany(
  target: PingTarget,
  count: number,
  concurrency: number,
  signal?: AbortSignal,
): Promise<{ ok: number; failed: string }> {
  let ok = 0;
  const errors: string[] = [];
  await runPool(count, concurrency, async () => {
    if (signal?.aborted) return void errors.push('not sent (aborted)');
    const result = await ping(target, 10_000);
    if (result.error) errors.push(result.error);
    else ok++;
  });
  return { ok, failed: tally(errors) || 'none' };
}
