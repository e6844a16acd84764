import type { AttackFarm } from './farm.js';
import { getMany } from './sockets.js';

/** Longest one CPU measurement runs (a farm slowed down by an attack answers fewer requests in it), ms. */
const CPU_WINDOW_MS = 20_000;

/**
 * The farm's CPU time per http-ok request: up to `count` GETs (a connection each, 8 at a time, for at most
 * CPU_WINDOW_MS or until `signal`) and the farm's user plus system time over them (/proc/<pid>/stat, 10 ms ticks:
 * `count` must make the total well over one tick).
 * @returns ms per request that got a 200, and how many did.
 * @throws Error when none did.
 */
export async function cpuPerRequest(farm: AttackFarm, count: number, signal: AbortSignal): Promise<{ ms: number; requests: number }> {
  const url = `http://127.0.0.1:${farm.listener('http-ok').port}/`;
  const before = farm.cpuMs();
  const { ok } = await getMany({ name: 'http-ok', url }, count, 8, AbortSignal.any([signal, AbortSignal.timeout(CPU_WINDOW_MS)]));
  const ms = farm.cpuMs() - before;
  if (ok === 0) throw new Error(`none of the http-ok requests got a 200 within ${CPU_WINDOW_MS} ms`);
  return { ms: ms / ok, requests: ok };
}
