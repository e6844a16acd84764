import { Compile } from 'typebox/compile';
import { VerifyReport } from './report-schema.js';

/** Largest verify report the farm keeps, in bytes of its JSON text (16 MiB). */
export const VERIFY_REPORT_MAX_BYTES = 16 * 1024 * 1024;

let compiled: ReturnType<typeof Compile<typeof VerifyReport>> | undefined;

/** The report check, compiled at the first report handed over: a farm that is never handed one never compiles it. */
function reportCheck(): ReturnType<typeof Compile<typeof VerifyReport>> {
  compiled ??= Compile(VerifyReport);
  return compiled;
}

/** Why a report was not kept: not a report of the schema, or larger than VERIFY_REPORT_MAX_BYTES. */
export type RecordRefusal = { refused: 'invalid' | 'too-large'; message: string };

/**
 * The latest `badorigin verify` report a farm was handed (in process by `verify` with `farmObject`, or by
 * `POST /verify/reports`): one report at a time, the newest replacing the one before, kept as its JSON text so that
 * answering `GET /verify/latest` costs no serialisation.
 */
export class LatestVerifyReport {
  #text: string | undefined;

  /**
   * Keeps `report` when it passes the compiled schema check (src/verify/report-schema.ts) and its JSON text is at
   * most VERIFY_REPORT_MAX_BYTES; otherwise keeps the previous one and returns why.
   */
  record(report: unknown): RecordRefusal | undefined {
    const check = reportCheck();
    if (!check.Check(report)) {
      const first = check.Errors(report)[0];
      return { refused: 'invalid', message: `not a verify report${first ? `: ${first.instancePath || '/'} ${first.message}` : ''}` };
    }
    const text = JSON.stringify(report);
    if (Buffer.byteLength(text) > VERIFY_REPORT_MAX_BYTES)
      return { refused: 'too-large', message: `verify report larger than ${VERIFY_REPORT_MAX_BYTES} bytes` };
    this.#text = text;
    return undefined;
  }

  /** The JSON text of the latest report, or undefined before any. */
  latestText(): string | undefined {
    return this.#text;
  }
}
