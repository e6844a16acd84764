// How a listener's last outcome is shown: a word and a symbol besides the colour, so nothing is said by colour alone.

/** The farm's outcomes (src/monitor.ts ListenerOutcome) and the verify verdicts, as symbol and words. */
export const OUTCOMES = {
  waiting: { symbol: '○', label: 'waiting', long: 'waiting: no connection yet' },
  hit: { symbol: '●', label: 'hit', long: 'hit: a client connected' },
  error: { symbol: '▲', label: 'error provoked', long: 'error provoked: the fault showed on the last connection' },
  matched: { symbol: '✓', label: 'verify matched', long: 'verify: what the intermediary reported matches the manifest' },
  mismatched: { symbol: '✗', label: 'verify mismatched', long: 'verify: what the intermediary reported differs from the manifest' },
};

/** A badge element for outcome `key` (one of OUTCOMES), `extra` text appended. */
export function badgeText(key, extra = '') {
  const outcome = OUTCOMES[key] ?? OUTCOMES.waiting;
  return `${outcome.symbol} ${outcome.label}${extra}`;
}
