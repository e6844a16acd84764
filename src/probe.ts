import { nodeObserve, type NodeObservation } from './clients/node-client.js';
import type { Manifest, ManifestListener } from './manifest.js';

/** One listener's probe: what the manifest expects of the reference Node client and what it saw. */
export interface ProbeResult {
  id: string;
  port: number;
  expected: ManifestListener['expect']['node'];
  observed: NodeObservation;
  ok: boolean;
}

/** True when an observation is what `expect.node` promises (same code; the message contains `message`). */
export function matchesNodeExpectation(expected: ManifestListener['expect']['node'], observed: NodeObservation): boolean {
  if (expected.code !== observed.code) return false;
  return expected.message === undefined || (observed.message ?? '').includes(expected.message);
}

/**
 * Checks listeners of a running farm with the reference Node client, a few at a time (each gives up after 5 s).
 * @param only listener ids to check (default: all).
 */
export async function probe(manifest: Manifest, only: string[] = [], concurrency = 4): Promise<ProbeResult[]> {
  const listeners = manifest.listeners.filter((l) => only.length === 0 || only.includes(l.id));
  const results: ProbeResult[] = new Array(listeners.length);
  let next = 0;
  const worker = async () => {
    while (next < listeners.length) {
      const i = next++;
      const listener = listeners[i]!;
      const observed = await nodeObserve(manifest, listener);
      results[i] = { id: listener.id, port: listener.port, expected: listener.expect.node, observed, ok: matchesNodeExpectation(listener.expect.node, observed) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, listeners.length) }, worker));
  return results;
}
