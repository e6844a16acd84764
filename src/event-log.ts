import { once } from 'node:events';
import type { Logger } from 'pino';
import type { ListenerEvent } from './listeners/index.js';

/** Where and how much the event log writes. */
export interface EventLogOptions {
  /** A file to append JSON lines to; default standard output. */
  file?: string;
  /** pino level: `info` logs every event, `warn` only handler errors, `silent` nothing. */
  level: string;
}

/** An open event log. */
export interface EventLog {
  write(event: ListenerEvent): void;
  /** Flushes, and closes the file (standard output stays open). Never rejects for a destination that failed. */
  close(): Promise<void>;
}

/**
 * Opens the farm's event log: one pino JSON line per listener event (`{"level":30,"time":…,"msg":"close",
 * "listener":…}`; a request's header fields and a ServerHello's certificate chain are left out), to standard output or `--log-file`. Handler errors are `warn`, everything else `info`.
 * Resolves once the destination is open, so no early event can be written out of order.
 * @throws Error (rejects) when the file cannot be opened.
 */
export async function openEventLog(options: EventLogOptions): Promise<EventLog> {
  // Loaded here, not with the module: a farm that logs nothing (the library's default) never needs pino.
  const { pino } = await import('pino');
  const destination = pino.destination({ dest: options.file ?? 1, sync: false, mkdir: true });
  // SonicBoom's fd is -1 until the file is open (its types do not declare it).
  const open = 'fd' in destination && typeof destination.fd === 'number' && destination.fd >= 0;
  if (!open) await once(destination, 'ready');
  // A destination that fails (standard output piped into a reader that has gone: EPIPE) ends the log, not the farm.
  let broken = false;
  destination.on('error', () => {
    broken = true;
  });
  const logger: Logger = pino({ level: options.level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    write(event) {
      if (broken) return;
      // Header fields stay out of the log (a line per request of up to --max-headers fields, credentials included):
      // the attempt ledger keeps them, behind the control API.
      const { type, time: _time, headers: _headers, serverHello, ...fields } = event;
      // The chain is the listener's own and the same on every connection: the ledger shows it; the log names the rest.
      if (serverHello) Object.assign(fields, { serverHello: { ...serverHello, chain: undefined } });
      if (type === 'handler-error') logger.warn(fields, type);
      else logger.info(fields, type);
    },
    async close() {
      if (!options.file) {
        if (broken) return;
        try {
          return destination.flushSync();
        } catch {
          return;
        }
      }
      const closed = once(destination, 'close');
      destination.end();
      await closed;
    },
  };
}
