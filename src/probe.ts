import { connect } from 'node:net';
import { listenerSelected } from './catalogue.js';
import { clientAddress } from './address.js';
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
 * The listeners of `manifest` selected by `only` (all when empty) and not left out by `skip`: scenario ids (all
 * their listeners) and listener ids, as for `serve` (see `listenerSelected`).
 */
export function probedListeners(manifest: Manifest, only: string[] = [], skip: string[] = []): ManifestListener[] {
  return manifest.listeners.filter((l) => listenerSelected(l.id, l.scenario, only, skip));
}

/** Resolves true unless a TCP connection to `host`:`port` is refused (ECONNREFUSED) within `timeoutMs` (ms). */
function notRefused(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code !== 'ECONNREFUSED'));
  });
}

/**
 * Whether a farm listens where `listeners` say: false when every one of their ports refuses a TCP connection (the DNS
 * server answers TCP on its port too), so probing them would only report each as failed. Listeners that refuse
 * connections on purpose (`expect.node.code` ECONNREFUSED) and port 0 (ephemeral, unknown) are not asked; when no
 * port is left to ask, the answer is true (the probe itself decides).
 * @param timeoutMs how long one connection attempt may take, in ms; one that neither connects nor is refused
 *   (a listener that never accepts) counts as an answer.
 * @returns the ports asked (sorted) and whether any answered.
 */
export async function farmListens(
  manifest: Pick<Manifest, 'host'>,
  listeners: ManifestListener[],
  timeoutMs = 2000,
): Promise<{ ports: number[]; found: boolean }> {
  const ports = [...new Set(listeners.filter((l) => l.expect.node.code !== 'ECONNREFUSED' && l.port !== 0).map((l) => l.port))].sort(
    (a, b) => a - b,
  );
  if (ports.length === 0) return { ports, found: true };
  const host = clientAddress(manifest.host);
  const answers = await Promise.all(ports.map((port) => notRefused(host, port, timeoutMs)));
  return { ports, found: answers.some(Boolean) };
}

/**
 * Checks listeners of a running farm with the reference Node client, a few at a time (each gives up after 5 s).
 * @param only listener or scenario ids to check (default: all; see `probedListeners`).
 */
export async function probe(manifest: Manifest, only: string[] = [], concurrency = 4, skip: string[] = []): Promise<ProbeResult[]> {
  const listeners = probedListeners(manifest, only, skip);
  const results: ProbeResult[] = new Array(listeners.length);
  let next = 0;
  const worker = async () => {
    while (next < listeners.length) {
      const i = next++;
      const listener = listeners[i]!;
      const observed = await nodeObserve(manifest, listener);
      results[i] = {
        id: listener.id,
        port: listener.port,
        expected: listener.expect.node,
        observed,
        ok: matchesNodeExpectation(listener.expect.node, observed),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, listeners.length) }, worker));
  return results;
}
