import { farmError } from '../errors.js';
import type { Farm, FarmOptions } from '../farm.js';
import type { Manifest, ManifestListener } from '../manifest.js';
import { probedListeners } from '../probe.js';
import { openFarm, type FarmChoice } from './farm-access.js';
import { VERIFY_OPTIONS, type VerifyOptionValues } from './options.js';
import { assertReachable } from './preflight.js';
import { probeListener, type ProbeSettings } from './probe-listener.js';
import { proxyLogLines } from './proxy-log-file.js';
import { VERIFY_REPORT_FORMAT, type VerifyReport } from './report-schema.js';
import { flagOf, probeUrl, targetText, type Target } from './target.js';
import { judge } from './verdict.js';
import { mapLimit } from '../map-limit.js';

/** Where `verify` is after each listener (for a progress line). */
export interface VerifyProgress {
  done: number;
  total: number;
  /** The listener just finished. */
  id: string;
  /** Listeners whose status (or any check the client sees) mismatched so far. */
  mismatches: number;
}

/**
 * Options of `verify`: those of `VERIFY_OPTIONS` (`via` or `route`; `farm` or `start`), and for the library a farm
 * of this process to observe instead (`farmObject`), the farm options `start` uses, and a progress callback.
 */
export interface VerifyOptions extends VerifyOptionValues {
  /** A running farm of this process whose attempt ledger to read (instead of `farm` or `start`). */
  farmObject?: Farm;
  /** Options of the farm that `start: true` starts (as `startFarm`'s). */
  farmOptions?: FarmOptions;
  /** Called after each listener. */
  onProgress?: (progress: VerifyProgress) => void;
  /** Called with a one-line notice when the farm did not take the report as its latest (the run still resolves). */
  onNotice?: (line: string) => void;
}

/**
 * `--setting name=value` pairs as a map.
 * @throws FarmError BAD_OPTION for a pair without `=` or with an empty side.
 */
function settingsOf(pairs: string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([^=\s]+)=([^=\s]+)$/.exec(pair);
    if (!match) throw farmError('BAD_OPTION', '--setting', `'${pair}' is not name=value (e.g. ssl-mode=full)`);
    settings[match[1]!] = match[2]!;
  }
  return settings;
}

const listOf = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** `via` or `route`, exactly one. @throws FarmError BAD_OPTION. */
function targetOf(options: VerifyOptions): Target {
  if (options.via && options.route) throw farmError('BAD_OPTION', '--via', 'and --route cannot go together: give one');
  const target: Target | undefined = options.via ? { via: options.via } : options.route ? { route: options.route } : undefined;
  if (!target)
    throw farmError('BAD_OPTION', '--via', 'is required (or --route TEMPLATE): the URL of the CDN or proxy in front of the farm');
  try {
    probeUrl(target, 'x', 'x');
  } catch (error) {
    // The message names the value given, never the placeholder URL the check was made with.
    const why = (error as NodeJS.ErrnoException).code === 'ERR_INVALID_URL' ? 'not an absolute URL' : 'not an http or https URL';
    throw farmError('BAD_OPTION', flagOf(target), `${JSON.stringify(targetText(target))} is ${why}`);
  }
  return target;
}

/** The farm to observe: exactly one of `farmObject`, `start`, `farm`. @throws FarmError BAD_OPTION. */
function farmChoiceOf(options: VerifyOptions): FarmChoice {
  const given = [options.farmObject !== undefined, options.start === true, options.farm !== undefined].filter(Boolean).length;
  if (given === 0)
    throw farmError('BAD_OPTION', '--farm', "is required (or --start): verify reads what the origin saw from the farm's attempt ledger");
  if (given > 1) throw farmError('BAD_OPTION', '--farm', 'and --start cannot go together: give one');
  if (options.farmObject) return { farm: options.farmObject };
  if (options.start) return { start: { ...options.farmOptions, only: options.only, skip: options.skip } };
  return { controlUrl: options.farm ?? '', token: options.controlToken };
}

/** Numbers and switches of the options, checked. @throws FarmError BAD_OPTION naming the flag. */
function numbersOf(options: VerifyOptions): Omit<ProbeSettings, 'target' | 'ledger'> & { concurrency: number } {
  const values = {
    repeat: options.repeat ?? VERIFY_OPTIONS.repeat.default,
    timeout: options.timeout ?? VERIFY_OPTIONS.timeout.default,
    concurrency: options.concurrency ?? VERIFY_OPTIONS.concurrency.default,
    readTimeout: options.readTimeout ?? VERIFY_OPTIONS.readTimeout.default,
  };
  for (const name of ['repeat', 'concurrency'] as const) {
    if (!Number.isInteger(values[name]) || values[name] < 1)
      throw farmError('BAD_OPTION', `--${name}`, `must be a whole number of at least 1, not ${values[name]}`);
  }
  for (const name of ['timeout', 'readTimeout'] as const) {
    if (!(values[name] > 0) || values[name] > 3600)
      throw farmError(
        'BAD_OPTION',
        name === 'timeout' ? '--timeout' : '--read-timeout',
        `must be seconds above 0 and at most 3600, not ${values[name]}`,
      );
  }
  return {
    reset: options.reset ?? VERIFY_OPTIONS.reset.default,
    repeat: values.repeat,
    timeoutMs: values.timeout * 1000,
    readTimeoutS: values.readTimeout,
    concurrency: values.concurrency,
  };
}

/** The listeners `only` and `skip` select. @throws FarmError UNKNOWN_SCENARIO for an id the manifest does not have. */
function selected(manifest: Manifest, only: string[], skip: string[]): ManifestListener[] {
  const scenarioIds = [...new Set(manifest.listeners.map((l) => l.scenario))];
  const listenerIds = manifest.listeners.map((l) => l.id);
  const unknown = [...only, ...skip].filter((id) => !scenarioIds.includes(id) && !listenerIds.includes(id));
  if (unknown.length > 0)
    throw farmError(
      'UNKNOWN_SCENARIO',
      unknown,
      scenarioIds,
      listenerIds.filter((id) => !scenarioIds.includes(id)),
    );
  return probedListeners(manifest, only, skip);
}

/**
 * `badorigin verify` as a library function: sends each selected listener's request (`requestFor`) through the
 * intermediary at `via` (or `route`), at most `concurrency` listeners at once and one probe per listener, reads what
 * the farm's attempt ledger attributed to each probe, derives the figures, and judges each listener against
 * `expect.<expect>` of the manifest (with `proxyLog` lines, read once the file has gone quiet, where given); with
 * `reset`, each listener's state starts over just before its probe. Resolves with the report (also when
 * listeners mismatch: see `report.ok`) after handing it to the farm as its latest verify report (`farmObject`:
 * `recordVerifyReport`; `farm`: `POST /verify/reports`; `onNotice` hears when that failed); a farm it started is closed before it resolves.
 * @throws FarmError BAD_OPTION for bad options, UNKNOWN_SCENARIO for `only`/`skip` ids the farm lacks,
 *   VIA_UNREACHABLE when the intermediary does not accept a TCP connection, FARM_UNREACHABLE when the farm's
 *   ledger cannot be read, or what `startFarm` throws.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const target = targetOf(options);
  const numbers = numbersOf(options);
  const choice = farmChoiceOf(options);
  const profile = options.expect ?? null;
  const cdnSettings = settingsOf(listOf(options.setting));
  const startedAt = new Date();
  // Whether the intermediary answers at all is known before a farm is opened, unless its host depends on the id.
  if ('via' in target) await assertReachable(probeUrl(target, 'preflight', 'preflight'), flagOf(target));
  const farm = await openFarm(choice);
  try {
    const listeners = selected(farm.manifest, listOf(options.only), listOf(options.skip));
    if ('route' in target && listeners[0]) await assertReachable(probeUrl(target, listeners[0].id, 'preflight'), flagOf(target));
    const settings: ProbeSettings = { target, ledger: farm.ledger, ...numbers };
    let done = 0;
    let mismatches = 0;
    const reports = await mapLimit(listeners, numbers.concurrency, async (listener) => {
      const report = await probeListener(listener, farm.scenarios.get(listener.scenario), settings);
      report.verdict = judge(profile, listener.expect, { client: report.asks[0]!.client }, cdnSettings);
      if (report.verdict.result === 'mismatch') mismatches++;
      options.onProgress?.({ done: ++done, total: listeners.length, id: listener.id, mismatches });
      return report;
    });
    const logs = await proxyLogLines(options.proxyLog, profile, reports);
    for (const [i, report] of reports.entries()) {
      const logLines = numbers.repeat === 1 ? logs?.get(report.id) : undefined;
      report.logLines = logs?.get(report.id) ?? [];
      report.verdict = judge(
        profile,
        listeners[i]!.expect,
        { client: report.asks[0]!.client, ...(logLines ? { logLines } : {}) },
        cdnSettings,
      );
    }
    const count = (result: string) => reports.filter((r) => r.verdict.result === result).length;
    const summary = { listeners: reports.length, matched: count('match'), mismatched: count('mismatch'), unjudged: count('unjudged') };
    const report: VerifyReport = {
      format: VERIFY_REPORT_FORMAT,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      target: targetText(target),
      profile,
      farm: farm.ledger.name,
      repeat: numbers.repeat,
      summary,
      ok: summary.mismatched === 0,
      listeners: reports,
    };
    const refused = await farm.recordReport(report);
    if (refused) options.onNotice?.(`the farm did not keep this report as its latest: ${refused}`);
    return report;
  } finally {
    await farm.close();
  }
}
