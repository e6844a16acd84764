import type { Check, Figures, ListenerReport } from '../report-schema.js';

const show = (value: unknown): string =>
  value === null || value === undefined ? 'none' : typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);

/** `status: expected 502, observed 504`, `log: expected "…", observed none (unseen)`. */
export function describeCheck(check: Check): string {
  return `${check.field}: expected ${show(check.expected)}, observed ${show(check.observed)}${check.result === 'unseen' ? ' (not visible)' : ''}`;
}

/** The failed checks of a listener, one line each. */
export function failures(report: ListenerReport): string[] {
  return report.verdict.checks.filter((c) => c.result === 'mismatch').map(describeCheck);
}

/** What the client saw first: `504`, `no response (ECONNRESET: socket hang up)`, `200, then aborted`. */
export function clientSummary(report: ListenerReport): string {
  const { status, error } = report.asks[0]!.client;
  if (status === null) return `no response${error ? ` (${error})` : ''}`;
  return error ? `${status}, then ${error}` : String(status);
}

/** `first-byte 3001 ms`, or `–`. */
export function timeoutSummary(figures: Figures): string {
  return figures.appliedTimeout ? `${figures.appliedTimeout.kind} ${Math.round(figures.appliedTimeout.ms)} ms` : '–';
}

/** `3 (retries after 12, 40 ms)`, `1`, `0`. */
export function attemptsSummary(figures: Figures): string {
  const retries =
    figures.retryIntervalsMs.length > 0 ? ` (tries ${figures.retryIntervalsMs.map((ms) => Math.round(ms)).join(', ')} ms apart)` : '';
  const resent = figures.resentOnReused ? ', re-sent on a reused connection' : '';
  return `${figures.attempts}${retries}${resent}`;
}

/** `match`, `MISMATCH`, `unjudged (reason)`. */
export function verdictSummary(report: ListenerReport): string {
  const { result, reason } = report.verdict;
  return result === 'mismatch' ? 'MISMATCH' : result === 'unjudged' ? `unjudged${reason ? ` (${reason})` : ''}` : 'match';
}

/** The repeat figures: `asked 3×: 503, 503, 503; origin reached 1, 0, 0; error re-used`. */
export function repeatSummary(figures: Figures): string | undefined {
  const r = figures.repeat;
  if (!r) return undefined;
  return `asked ${r.asks}×: ${r.statuses.map((s) => s ?? 'none').join(', ')}; origin reached ${r.originTries.join(', ')}${r.errorReused ? '; error re-used without the origin' : ''}`;
}
