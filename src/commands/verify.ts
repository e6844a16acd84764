import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { farmError } from '../errors.js';
import { farmOptionsOf } from '../options/farm-cli.js';
import { readOptions, type OptionSpecs } from '../options/spec.js';
import { FARM_OPTIONS } from '../options/table.js';
import { declareOptions } from '../options/yargs.js';
import { replaceWeakDhWarning } from '../weak-dh-warning.js';
import { VERIFY_OPTIONS } from '../verify/options.js';
import type { VerifyProgress } from '../verify/run.js';

/** The farm options as `verify` declares them: a farm it starts logs nothing unless `--log-level` says so. */
const FARM_FOR_VERIFY = { ...FARM_OPTIONS, logLevel: { ...FARM_OPTIONS.logLevel, cliDefault: 'silent' } } as const satisfies OptionSpecs;

/** A progress line on standard error, rewritten in place (only on a terminal). */
function progressLine(progress: VerifyProgress): void {
  const mismatches = progress.mismatches === 1 ? '1 mismatch' : `${progress.mismatches} mismatches`;
  process.stderr.write(`\r\x1b[K${progress.done} of ${progress.total}  ${progress.id}  ${mismatches}`);
}

/** Writes `text` to `file`. @throws FarmError BAD_OPTION naming the flag when the file cannot be written. */
function writeReport(flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw farmError(
      'BAD_OPTION',
      `${flag} ${file}`,
      `cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/**
 * `badorigin verify --via URL (--farm URL | --start) [--expect PROFILE] …`: every selected listener through the
 * intermediary, what the client and the farm saw, and the verdict; the table on standard output, the report files
 * where asked. Exit 0 when nothing mismatched, 1 on a mismatch, 2 (FarmError) on bad usage or an unreachable
 * intermediary or farm.
 */
export const verifyCommand: CommandModule = {
  command: 'verify',
  describe:
    "send every listener's request through a CDN or proxy (--via), read what the farm saw, and judge it against expect.<profile> (--expect); exit 1 on any mismatch, 2 on bad usage or an unreachable intermediary",
  builder: (y: Argv) => declareOptions(y, { ...FARM_FOR_VERIFY, ...VERIFY_OPTIONS }),
  handler: async (argv) => {
    const options = readOptions(VERIFY_OPTIONS, argv);
    const { only, skip, controlToken } = readOptions(FARM_FOR_VERIFY, argv);
    // Loaded here, not with the command table: every other command starts without them.
    const [{ verify }, { renderJunit }, { renderMarkdown }, { renderTable }] = await Promise.all([
      import('../verify/run.js'),
      import('../verify/format/junit.js'),
      import('../verify/format/markdown.js'),
      import('../verify/format/table.js'),
    ]);
    // A farm started here serves dh-weak as `serve` does: one notice instead of Node's warning.
    if (options.start) replaceWeakDhWarning((notice) => process.stderr.write(`badorigin: ${notice}\n`));
    const report = await verify({
      ...options,
      only,
      skip,
      controlToken,
      ...(options.start ? { farmOptions: farmOptionsOf(argv) } : {}),
      ...(process.stderr.isTTY ? { onProgress: progressLine } : {}),
      onNotice: (line) => process.stderr.write(`badorigin: ${line}\n`),
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (options.json) writeReport('--json', options.json, `${JSON.stringify(report, null, 2)}\n`);
    if (options.junit) writeReport('--junit', options.junit, renderJunit(report));
    if (options.markdown) writeReport('--markdown', options.markdown, renderMarkdown(report));
    process.stdout.write(renderTable(report));
    process.exitCode = report.ok ? 0 : 1;
  },
};
