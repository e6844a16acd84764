import type { Held } from './sockets.js';
import { sleep } from './sockets.js';

/** How a batch of held connections ended: how many the farm closed within the limit, later, or not at all. */
export interface ClosingReport {
  within: number;
  late: number;
  open: number;
  /** Slowest close, ms after the connection was ready (NaN when none closed). */
  maxMs: number;
  medianMs: number;
}

/**
 * Waits until every connection has closed or `limitMs` has passed since the last one became ready, and judges each by
 * how long after it became ready it closed. Connections that never became ready do not count.
 */
export async function awaitClosing(held: Held[], limitMs: number): Promise<ClosingReport> {
  const ready = held.filter((h) => !Number.isNaN(h.readyAt));
  const lastReady = Math.max(0, ...ready.map((h) => h.readyAt));
  while (ready.some((h) => Number.isNaN(h.closedAt)) && performance.now() < lastReady + limitMs + 200) await sleep(100);
  const times = ready
    .filter((h) => !Number.isNaN(h.closedAt))
    .map((h) => h.closedAt - h.readyAt)
    .sort((a, b) => a - b);
  return {
    within: times.filter((t) => t <= limitMs).length,
    late: times.filter((t) => t > limitMs).length,
    open: ready.length - times.length,
    maxMs: Math.round(times.at(-1) ?? NaN),
    medianMs: Math.round(times[Math.floor(times.length / 2)] ?? NaN),
  };
}

/** A ClosingReport as one figure line. */
export function closingLine(what: string, r: ClosingReport, limitMs: number): string {
  return `${what}: ${r.within} closed by the farm within ${limitMs} ms, ${r.late} later, ${r.open} still open; median ${r.medianMs || '-'} ms, slowest ${r.maxMs || '-'} ms`;
}
