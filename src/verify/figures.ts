import type { Scenario } from '../catalogue.js';
import type { Attempt } from '../ledger/attempt.js';
import { isHealthCheck } from '../ledger/probe.js';
import type { ClientView, Figures } from './report-schema.js';

/** Which timeout of the intermediary a listener's fault measures (see `Figures.appliedTimeout`). */
export type TimeoutKind = 'first-byte' | 'mid-body' | 'connect';

/**
 * The timeout a listener of `scenario` makes the intermediary apply: slow-first-byte the first-byte (read) timeout,
 * stall-mid-body the between-bytes timeout, connect-timeout the connect timeout; undefined for the rest.
 */
export function timeoutKindOf(scenario: Pick<Scenario, 'mechanism' | 'params'> | undefined): TimeoutKind | undefined {
  if (scenario?.mechanism === 'connect-timeout') return 'connect';
  if (scenario?.mechanism !== 'http-fault') return undefined;
  if (scenario.params.fault === 'slow-first-byte') return 'first-byte';
  if (scenario.params.fault === 'stall-mid-body') return 'mid-body';
  return undefined;
}

/** One ask as the figures see it: when it was sent (ms since the epoch) and what the client saw. */
export interface AskInput {
  sentAt: number;
  client: ClientView;
}

/**
 * The attempts of a probe with only the requests that are the probe's: a connection an intermediary re-uses can
 * carry requests of other probes and health checks. A request naming the probe is its; one naming another probe is
 * not; one naming none is the probe's only when it is no health check (`isHealthCheck`) and no request of the probe
 * names it (the rule of the ledger's probe windows, `windowKeeps`).
 */
export function ownRequests(attempts: Attempt[], probe: string): Attempt[] {
  const named = attempts.some((a) => a.requests.some((r) => r.probe === probe));
  const own = (r: Attempt['requests'][number]) => r.probe === probe || (r.probe === undefined && !named && !isHealthCheck(r.target));
  return attempts.map((a) => (a.requests.every(own) ? a : { ...a, requests: a.requests.filter(own) }));
}

/** The times (ms since the epoch) at which an attempt tried: each request head, or the accept when it read none. */
function tryTimes(attempt: Attempt): number[] {
  if (attempt.requests.length > 0) return attempt.requests.map((r) => r.at);
  return [attempt.dns?.at ?? attempt.startedAt];
}

/** Index of the ask a time belongs to: the last ask sent at or before it (the first for earlier times). */
function askIndex(time: number, sentAts: number[]): number {
  let index = 0;
  sentAts.forEach((sentAt, i) => {
    if (sentAt <= time) index = i;
  });
  return index;
}

/**
 * The attempts of each ask: an attempt belongs to every ask one of its tries (request heads, or its accept) falls
 * in (an ask runs from its `sentAt` to the next one's). Asks are in the order sent.
 */
export function splitByAsk(attempts: Attempt[], sentAts: number[]): Attempt[][] {
  const byAsk: Attempt[][] = sentAts.map(() => []);
  for (const attempt of [...attempts].sort((a, b) => a.startedAt - b.startedAt)) {
    for (const index of new Set(tryTimes(attempt).map((t) => askIndex(t, sentAts)))) byAsk[index]!.push(attempt);
  }
  return byAsk;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** True when the intermediary ended the connection (its FIN, or a reset or failure), not the farm. */
const closedByIntermediary = (attempt: Attempt): attempt is Attempt & { closedAt: number } =>
  attempt.closedAt !== undefined && attempt.closedBy !== 'farm';

/**
 * The timeout the intermediary applied (ms): first-byte, from the request head received to its close of that
 * connection; mid-body, from the farm's stall (the action `stalled after …`, i.e. the last body byte sent) to its
 * close; connect, the client-side time to the intermediary's answer or error. Null when the attempts do not show it
 * (the farm closed first, nothing arrived).
 */
export function appliedTimeout(kind: TimeoutKind | undefined, attempts: Attempt[], client: ClientView): Figures['appliedTimeout'] {
  if (kind === 'connect') return { kind, ms: client.timeToHeadMs ?? client.timeToEndMs };
  if (kind === 'first-byte') {
    const attempt = attempts.find((a) => a.requests.length > 0 && closedByIntermediary(a));
    return attempt && closedByIntermediary(attempt) ? { kind, ms: round(attempt.closedAt - attempt.requests[0]!.at) } : null;
  }
  if (kind === 'mid-body') {
    for (const attempt of attempts) {
      const stall = attempt.actions.find((action) => action.detail.startsWith('stalled after'));
      if (stall && closedByIntermediary(attempt)) return { kind, ms: round(attempt.closedAt - stall.at) };
    }
  }
  return null;
}

/** With several asks: each ask's status and origin attempts, and whether a later one got the first's error without reaching the origin. */
function repeatFigures(asks: AskInput[], byAsk: Attempt[][]): Figures['repeat'] {
  if (asks.length < 2) return null;
  const statuses = asks.map((a) => a.client.status);
  const originTries = byAsk.map((attempts) => attempts.length);
  const first = statuses[0] ?? null;
  const failed = first === null || first >= 500;
  const errorReused = failed && originTries[0]! > 0 && statuses.some((status, i) => i > 0 && status === first && originTries[i] === 0);
  return { asks: asks.length, statuses, originTries, errorReused };
}

/**
 * The derived figures of one listener's probe: attempts, requests, retry intervals, fresh and reused connections and
 * re-sending on a reused one, the applied timeout (`appliedTimeout`), the SNI of the first ClientHello, and with
 * several asks whether an error was served again without the origin (`repeat`). Counts and intervals are of the
 * first ask. `attempts` are the probe's, from the ledger; `asks` in the order sent.
 */
export function deriveFigures(attempts: Attempt[], asks: AskInput[], kind: TimeoutKind | undefined): Figures {
  const sentAts = asks.map((a) => a.sentAt);
  const byAsk = splitByAsk(attempts, sentAts);
  const first = byAsk[0] ?? [];
  const firstSent = sentAts[0] ?? 0;
  const until = sentAts[1] ?? Infinity;
  const inFirst = (t: number) => askIndex(t, sentAts) === 0 && t < until;
  const tries = first
    .flatMap(tryTimes)
    .filter(inFirst)
    .sort((a, b) => a - b);
  const requestsOf = (a: Attempt) => a.requests.filter((r) => inFirst(r.at)).length;
  const hello = first.find((a) => a.clientHello)?.clientHello;
  return {
    attempts: first.length,
    requests: first.reduce((sum, a) => sum + requestsOf(a), 0),
    retryIntervalsMs: tries.slice(1).map((t, i) => round(t - tries[i]!)),
    freshConnections: first.filter((a) => a.startedAt >= firstSent).length,
    reusedConnections: first.filter((a) => a.startedAt < firstSent).length,
    resentOnReused: first.some((a) => requestsOf(a) > 1),
    appliedTimeout: appliedTimeout(kind, first, asks[0]!.client),
    sni: hello ? { sent: hello.sni !== null, name: hello.sni } : null,
    repeat: repeatFigures(asks, byAsk),
  };
}
