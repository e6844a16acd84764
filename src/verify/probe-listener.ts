import type { Scenario } from '../catalogue.js';
import type { Attempt } from '../ledger/attempt.js';
import type { ManifestListener } from '../manifest.js';
import { send } from './client.js';
import { deriveFigures, ownRequests, splitByAsk, timeoutKindOf } from './figures.js';
import type { AttemptSource } from './ledger-source.js';
import type { Ask, ListenerReport } from './report-schema.js';
import { requestFor } from './request.js';
import { newProbeId, probeUrl, type Target } from './target.js';

/** How one listener is probed. */
export interface ProbeSettings {
  target: Target;
  ledger: AttemptSource;
  /** Asks per listener (`--repeat`). */
  repeat: number;
  /** Longest one ask waits, in ms. */
  timeoutMs: number;
  /** The intermediary's read timeout, in s (how much of slow-drip is read). */
  readTimeoutS: number;
  /** Start the listener's state over just before its probe (`--reset`). */
  reset: boolean;
}

/** Longest `verify` waits after the last ask for the probe's connections to close (their close times and closers), in ms. */
export const SETTLE_MS = 1_000;
const SETTLE_POLL_MS = 50;

/**
 * The probe's attempts once every one of them has closed, or as they are after `SETTLE_MS` (a connection the farm
 * or the intermediary holds open stays open).
 */
async function settledAttempts(ledger: AttemptSource, id: string, probe: string): Promise<Attempt[]> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const attempts = await ledger.attempts(id, { probe });
    if (attempts.every((a) => a.closedAt !== undefined) || Date.now() >= deadline) return attempts;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/**
 * Probes one listener through the intermediary: resets the listener's state when `settings.reset`, opens a probe window on the farm under a new probe id, sends
 * `requestFor(scenario)` `repeat` times in a row (one at a time), reads the attempts the farm attributed to the
 * probe, closes the window, and derives the figures. The verdict is left to the caller (`unjudged` here).
 * @throws FarmError (rejects) when the ledger cannot be read (FARM_UNREACHABLE).
 */
export async function probeListener(
  listener: ManifestListener,
  scenario: Scenario | undefined,
  settings: ProbeSettings,
): Promise<ListenerReport> {
  const probe = newProbeId(listener.id);
  const request = requestFor(scenario, settings.readTimeoutS);
  const url = probeUrl(settings.target, listener.id, probe, request.pathSuffix);
  const asks: Omit<Ask, 'attempts'>[] = [];
  let attempts: Attempt[];
  if (settings.reset) await settings.ledger.reset(listener.id);
  await settings.ledger.beginProbe(listener.id, probe);
  try {
    for (let i = 0; i < settings.repeat; i++) {
      const sentAt = Date.now();
      asks.push({ sentAt, client: await send(url, request, probe, settings.timeoutMs) });
    }
    attempts = ownRequests(await settledAttempts(settings.ledger, listener.id, probe), probe);
  } finally {
    await settings.ledger.endProbe(listener.id, probe);
  }
  const byAsk = splitByAsk(
    attempts,
    asks.map((a) => a.sentAt),
  );
  return {
    id: listener.id,
    scenario: listener.scenario,
    transport: listener.transport,
    port: listener.port,
    probe,
    request: {
      method: request.method,
      url: url.href,
      bodyBytes: request.method === 'POST' ? (request.bodyBytes ?? 0) : 0,
      maxBodyBytes: request.maxBodyBytes ?? null,
    },
    asks: asks.map((ask, i) => ({ ...ask, attempts: byAsk[i] ?? [] })),
    figures: deriveFigures(attempts, asks, timeoutKindOf(scenario)),
    logLines: [],
    verdict: { result: 'unjudged', reason: 'not judged yet', checks: [] },
  };
}
