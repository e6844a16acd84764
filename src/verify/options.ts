import type { OptionSpecs, OptionValues } from '../options/spec.js';
import { FARM_OPTIONS } from '../options/table.js';
import { intermediaryProfiles } from './profiles.js';
import { LOG_QUIET_MS, LOG_SETTLE_LIMIT_MS } from './proxy-log-file.js';

/**
 * The options of `badorigin verify` besides the farm's (which `--start` starts a farm with, and whose `--only`,
 * `--skip` and `--control-token` verify uses too): flags, `BADORIGIN_*` variables, and `VerifyOptions` of the
 * library (less the report files, which only the CLI writes).
 */
export const VERIFY_OPTIONS = {
  via: { kind: 'string', help: 'base URL of the CDN or proxy in front of the farm; listener <id> is reached at <via>/<id>/' },
  route: { kind: 'string', help: 'URL template instead of --via, {id} standing for the listener id (e.g. https://{id}.cdn.example.com/)' },
  expect: {
    kind: 'string',
    choices: intermediaryProfiles(),
    help: "judge against the manifest's expect.<profile>; without it, observe and report only",
  },
  setting: {
    kind: 'list',
    help: "a CDN setting the intermediary runs with, as name=value (ssl-mode=full, ssl_check_cert=false, tls-cert=user; docs/cdns.md): an expectation that depends on it is judged under that value, else under the CDN's default (comma-separated or repeated)",
  },
  farm: { kind: 'string', help: 'control API URL of the running farm behind the intermediary, whose attempt ledger verify reads' },
  start: { kind: 'boolean', default: false, help: 'start the farm in this process with the farm options given, instead of --farm' },
  reset: {
    kind: 'boolean',
    default: false,
    help: "reset each listener's state just before its probe (stale-then-fail and health-flapping start over), as on a fresh farm",
  },
  repeat: {
    kind: 'number',
    unit: 'requests',
    default: 1,
    help: 'ask each listener this many times in a row (shows an error the intermediary caches or re-uses)',
  },
  timeout: { kind: 'number', unit: 's', default: 15, help: 'longest the client waits for one answer through the intermediary' },
  concurrency: { kind: 'number', unit: 'listeners', default: 16, help: 'listeners probed at once (never two probes of one listener)' },
  readTimeout: { kind: 'number', unit: 's', default: 3, help: "the intermediary's read timeout, which sets how much of slow-drip is read" },
  proxyLog: {
    kind: 'string',
    help: `the proxy's log file (nginx error log, HAProxy log, varnishlog -d -g request output, Caddy JSON log, Apache error log), compared with expect.<profile>.log (with --repeat 1); read once it has not grown for ${LOG_QUIET_MS / 1000} s (at most ${LOG_SETTLE_LIMIT_MS / 1000} s after the last probe)`,
  },
  json: { kind: 'string', cliOnly: true, help: 'write the report as JSON (schema/verify-report.schema.json) to this file' },
  junit: { kind: 'string', cliOnly: true, help: 'write a JUnit XML file, one testcase per listener' },
  markdown: { kind: 'string', cliOnly: true, help: 'write a Markdown report to this file' },
} as const satisfies OptionSpecs;

/** The farm options `verify` reads itself: which listeners, and the control API's token. */
export const VERIFY_FARM_OPTIONS = {
  only: FARM_OPTIONS.only,
  skip: FARM_OPTIONS.skip,
  controlToken: FARM_OPTIONS.controlToken,
} as const satisfies OptionSpecs;

/** Options of the library's `verify` by the names of `VERIFY_OPTIONS` and `VERIFY_FARM_OPTIONS`. */
export type VerifyOptionValues = OptionValues<typeof VERIFY_OPTIONS> & OptionValues<typeof VERIFY_FARM_OPTIONS>;
