/** Attempts the attempt ledger keeps per listener by default (`--ledger-size`). */
export const DEFAULT_LEDGER_SIZE = 1000;

/** Most attempts `--ledger-size` may ask for per listener (memory: README § Attempt ledger). */
export const MAX_LEDGER_SIZE = 1_000_000;
