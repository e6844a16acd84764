import { logMatches, statusMatches, type Expectations } from '../catalogue.js';
import { isBySetting } from '../cdn/expectation.js';
import type { Check, ClientView, Verdict } from './report-schema.js';

/** The fields of an intermediary's expectation `verify` can judge (a CDN's or a proxy's, see src/catalogue.ts). */
export interface IntermediaryExpectation {
  status?: number | number[];
  /** Fastly's obj.response: the generated VCL copies it into `X-Badorigin-Error`. */
  response?: string;
  /** CloudFront's `X-Cache` value. */
  xCache?: string;
  /** A proxy's error-log line (or alternatives): seen only with `--proxy-log`. */
  log?: string | string[];
}

const isStatus = (v: unknown): v is number | number[] =>
  typeof v === 'number' || (Array.isArray(v) && v.every((n) => typeof n === 'number'));
const isLog = (v: unknown): v is string | string[] => typeof v === 'string' || (Array.isArray(v) && v.every((n) => typeof n === 'string'));

/**
 * `expect.<profile>` of a listener: the expectation's judgeable fields, null when the profile cannot reach the
 * listener (the manifest says null), undefined when the manifest says nothing for it. An expectation that holds one
 * outcome per CDN setting (src/cdn/expectation.ts) gives the outcome under `settings[<its setting>]`, else under its
 * default; `setting` says which, as `name=value`, with ` (default)` when `settings` did not name it.
 */
export function expectationOf(
  expect: Expectations,
  profile: string,
  settings: Record<string, string> = {},
): (IntermediaryExpectation & { setting?: string }) | null | undefined {
  const declared: unknown = Object.entries(expect).find(([key]) => key === profile)?.[1];
  if (declared === null || declared === undefined || typeof declared !== 'object') return declared === null ? null : undefined;
  let value: object = declared;
  let setting: string | undefined;
  if (isBySetting(declared)) {
    const named = settings[declared.setting];
    const chosen = named !== undefined && named in declared.outcomes ? named : declared.default;
    value = declared.outcomes[chosen] ?? {};
    setting = `${declared.setting}=${chosen}${chosen === named ? '' : ' (default)'}`;
  }
  const field = (name: string): unknown => Object.entries(value).find(([key]) => key === name)?.[1];
  const status = field('status');
  const response = field('response');
  const xCache = field('xCache');
  const log = field('log');
  return {
    ...(isStatus(status) ? { status } : {}),
    ...(typeof response === 'string' ? { response } : {}),
    ...(typeof xCache === 'string' ? { xCache } : {}),
    ...(isLog(log) ? { log } : {}),
    ...(setting === undefined ? {} : { setting }),
  };
}

/** What the verdict looks at: the first ask's client view and, with `--proxy-log`, the listener's log lines. */
export interface Observed {
  client: ClientView;
  /** The log lines attributed to the listener; undefined when the proxy's log is not visible (no `--proxy-log`). */
  logLines?: string[];
}

/** A header text check: equal to the documented text or containing it; `unseen` when the header is absent. */
function textCheck(field: string, expected: string, observed: string | undefined): Check {
  if (observed === undefined) return { field, expected, observed: null, result: 'unseen' };
  return { field, expected, observed, result: observed === expected || observed.includes(expected) ? 'match' : 'mismatch' };
}

/**
 * The checks of an expectation against what was observed: the status (one of the listed values; no response head is
 * 0); `response` against the `X-Badorigin-Error` header; `xCache` against `X-Cache`; `log` against the log lines
 * joined with `; ` (none: no line), as the conformance suite records them.
 */
export function checksOf(expected: IntermediaryExpectation, observed: Observed): Check[] {
  const checks: Check[] = [];
  const { client } = observed;
  if (expected.status !== undefined) {
    checks.push({
      field: 'status',
      expected: expected.status,
      observed: client.status,
      result: statusMatches(expected.status, client.status) ? 'match' : 'mismatch',
    });
  }
  if (expected.response !== undefined) checks.push(textCheck('response', expected.response, client.headers['x-badorigin-error']));
  if (expected.xCache !== undefined) checks.push(textCheck('xCache', expected.xCache, client.headers['x-cache']));
  if (observed.logLines === undefined) {
    if (expected.log !== undefined) checks.push({ field: 'log', expected: expected.log, observed: null, result: 'unseen' });
  } else {
    const line = observed.logLines.length > 0 ? observed.logLines.join('; ') : undefined;
    checks.push({
      field: 'log',
      expected: expected.log ?? null,
      observed: line ?? null,
      result: logMatches(expected.log, line) ? 'match' : 'mismatch',
    });
  }
  return checks;
}

/**
 * The verdict of one listener against `expect.<profile>`: `mismatch` when any check fails, `match` when at least one
 * check matched and none failed, `unjudged` without a profile, without an expectation, when the manifest says the
 * intermediary cannot reach the listener (null), or when nothing the expectation names is visible.
 */
export function judge(profile: string | null, expect: Expectations, observed: Observed, settings: Record<string, string> = {}): Verdict {
  if (profile === null) return { result: 'unjudged', reason: 'no --expect profile', checks: [] };
  const expected = expectationOf(expect, profile, settings);
  if (expected === null)
    return { result: 'unjudged', reason: `expect.${profile} is null: ${profile} cannot reach this listener`, checks: [] };
  if (expected === undefined) return { result: 'unjudged', reason: `the manifest has no expect.${profile} for this listener`, checks: [] };
  const checks = checksOf(expected, observed);
  const setting = expected.setting === undefined ? {} : { setting: expected.setting };
  if (checks.some((c) => c.result === 'mismatch')) return { result: 'mismatch', ...setting, checks };
  if (checks.some((c) => c.result === 'match')) return { result: 'match', ...setting, checks };
  return { result: 'unjudged', reason: `nothing expect.${profile} names is visible to the client`, ...setting, checks };
}
