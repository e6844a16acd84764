/** The last farm-wide connection number handed out (numbers start at 1). */
let last = 0;

/**
 * The next farm-wide connection number: one per accepted TCP connection (refused ones too) and one per DNS query,
 * so that events, the event log and the attempt ledger name each exactly once within a process.
 */
export function nextConnectionNumber(): number {
  last += 1;
  return last;
}
