import { connect as tlsConnect } from 'node:tls';
import { nodeRequest, nodeResolve } from '../../src/clients/node-client.js';
import type { Manifest, ManifestListener } from '../../src/manifest.js';
import type { Rng } from '../../scripts/fuzz/random.js';

/** Outcomes of one kind of load, by name (observed code, `ok`, `http-200`…). */
export type Counts = Record<string, number>;

const bump = (counts: Counts, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);

/** Runs `task` in `concurrency` loops until `running()` is false; resolves when every loop has finished its last task. */
export async function loop(concurrency: number, running: () => boolean, task: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (running()) await task();
    }),
  );
}

/** One request with the reference Node client (node:http / node:https, `GET /`, gives up after `timeoutMs`). */
export async function requestOnce(
  manifest: Manifest,
  listeners: ManifestListener[],
  rng: Rng,
  counts: Counts,
  timeoutMs: number,
): Promise<void> {
  const observed = await nodeRequest(manifest, rng.pick(listeners), timeoutMs);
  bump(counts, observed.code ?? `http-${observed.status}`);
}

/** One TLS handshake (node:tls, trusting the farm root), closed as soon as it completes or fails. */
export function handshakeOnce(listeners: ManifestListener[], ca: string, rng: Rng, counts: Counts, timeoutMs: number): Promise<void> {
  const listener = rng.pick(listeners);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: listener.port, ca, servername: listener.connect.sni ?? undefined });
    const done = (outcome: string) => {
      clearTimeout(timer);
      bump(counts, outcome);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('secureConnect', () => done(socket.authorized ? 'authorized' : 'unauthorized'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
  });
}

/** One DNS query with the reference resolver (node:dns Resolver pointed at the farm, one try). */
export async function resolveOnce(
  manifest: Manifest,
  listeners: ManifestListener[],
  rng: Rng,
  counts: Counts,
  timeoutMs: number,
): Promise<void> {
  const observed = await nodeResolve(manifest, rng.pick(listeners), timeoutMs);
  bump(counts, observed.code ?? 'ok');
}
