import type { AttackFarm } from './farm.js';
import { getMany } from './sockets.js';

/**
 * The farm's CPU time per http-ok request, ms: `count` GETs (a connection each, 8 at a time) and the farm's user plus
 * system time over them (/proc/<pid>/stat, 10 ms ticks: `count` must make the total well over one tick).
 * @throws Error when fewer than all of them got a 200.
 */
export async function cpuPerRequest(farm: AttackFarm, count: number): Promise<number> {
  const url = `http://127.0.0.1:${farm.listener('http-ok').port}/`;
  const before = farm.cpuMs();
  const ok = await getMany({ name: 'http-ok', url }, count, 8);
  const ms = farm.cpuMs() - before;
  if (ok < count) throw new Error(`only ${ok} of ${count} http-ok requests got a 200`);
  return ms / count;
}
