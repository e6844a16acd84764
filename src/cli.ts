#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { warnIfCertsDiffer } from './commands/certs-check.js';
import { installProcessGuards } from './containment.js';
import { FarmError, farmError } from './errors.js';
import { type Farm, plannedManifest, resolveSettings, startControl, startFarm } from './farm.js';
import { readManifestFile } from './manifest-schema.js';
import { OptionsFile } from './options-file.js';
import { readOptions, type OptionSpecs } from './options/spec.js';
import { farmOptionsOf } from './options/farm-cli.js';
import { FARM_OPTIONS } from './options/table.js';
import { declareOptions } from './options/yargs.js';
import { watchParent } from './parent-watch.js';
import { Pki } from './pki/index.js';
import { farmListens, probe, probedListeners } from './probe.js';
import { renderManifest } from './render.js';
import { absorbTerminalErrors } from './terminal.js';
import { replaceWeakDhWarning } from './weak-dh-warning.js';

/** The `--config` file of this run. */
const optionsFile = new OptionsFile();

/** Options `serve` takes besides the farm's. */
const SERVE_OPTIONS = {
  manifestOut: { kind: 'string', help: 'write the manifest JSON here once every listener is bound' },
} as const satisfies OptionSpecs;

/** Options `manifest` takes besides the farm's. */
const MANIFEST_OPTIONS = {
  format: { kind: 'string', choices: ['json', 'markdown', 'table'], default: 'json', help: 'how to print the manifest' },
} as const satisfies OptionSpecs;

/** Options `probe` takes besides the farm's. */
const PROBE_OPTIONS = {
  manifest: { kind: 'string', help: 'manifest JSON of the running farm (default: the manifest these options give)' },
  json: { kind: 'boolean', default: false, help: 'print the results as JSON' },
} as const satisfies OptionSpecs;

/** The farm options and a command's own (`extra`), as flags, `BADORIGIN_*` variables and `--config` file keys. */
function farmCommand<T>(y: Argv<T>, extra: OptionSpecs = {}) {
  const specs = { ...FARM_OPTIONS, ...extra };
  return declareOptions(y, specs).config('config', 'JSON file with any of these options (keys as the long flag names)', (file: string) =>
    optionsFile.read(file, specs),
  );
}

/** The events after which the manifest has changed. */
const LISTENER_CHANGES: ReadonlySet<string> = new Set(['listener-added', 'listener-changed', 'listener-removed']);

/** Longest `serve` waits for the farm to close on SIGINT/SIGTERM/SIGHUP before it exits anyway, in ms. */
const STOP_DEADLINE_MS = 1500;

/** Closes the farm and exits on SIGINT/SIGTERM/SIGHUP, or when the npm process that started it has gone. */
function stopOnSignals(farm: Farm): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${why}: closing every listener\n`);
    setTimeout(() => {
      process.stderr.write(`badorigin: the farm did not close within ${STOP_DEADLINE_MS} ms; exiting anyway\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    farm.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`badorigin: closing the farm: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  // Before anything is printed: whoever waits for `Ctrl-C stops the farm` may signal at once.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  // Started by npm (npm start, npm run): close when npm has gone, however it went. Not for a farm started otherwise,
  // which may be meant to outlive whatever started it.
  if (process.env.npm_lifecycle_event) watchParent(() => stop('the npm process that started the farm has exited'));
  // One listener's uncaught error is logged with its id and never takes the farm down.
  installProcessGuards((listener, error, kind) => {
    if (listener)
      farm.events.emit('event', { listener, type: 'handler-error', time: Date.now(), error: `uncaught ${kind}: ${error.message}` });
    process.stderr.write(`badorigin: uncaught ${kind}${listener ? ` in listener ${listener}` : ''}: ${error.stack ?? error.message}\n`);
  });
}

/** Writes the manifest to `file` (JSON) now and again whenever a listener is added, changed or removed. */
function followManifest(farm: Farm, file: string): void {
  writeFileSync(file, renderManifest(farm.manifest, 'json'));
  // Listeners added, changed or removed through the control API: the file follows the manifest.
  farm.events.on('event', (event) => {
    if (!LISTENER_CHANGES.has(event.type)) return;
    try {
      writeFileSync(file, renderManifest(farm.manifest, 'json'));
    } catch (error) {
      process.stderr.write(`badorigin: cannot rewrite ${file}: ${(error as Error).message}\n`);
    }
  });
}

async function serve(argv: Readonly<Record<string, unknown>>): Promise<void> {
  const { manifestOut } = readOptions(SERVE_OPTIONS, argv);
  absorbTerminalErrors();
  replaceWeakDhWarning((notice) => process.stderr.write(`badorigin: ${notice}\n`));
  const farm = await startFarm(farmOptionsOf(argv));
  if (farm.settings.controlPort !== null) {
    await startControl(farm).catch(async (error: unknown) => {
      await farm.close();
      throw error;
    });
  }
  stopOnSignals(farm);
  for (const notice of farm.notices) process.stderr.write(`badorigin: ${notice}\n`);
  for (const listener of farm.manifest.listeners) {
    if (listener.warning) process.stderr.write(`badorigin: warning: ${listener.id}: ${listener.warning}\n`);
  }
  if (manifestOut) followManifest(farm, manifestOut);
  process.stdout.write(renderManifest(farm.manifest, 'table'));
  process.stdout.write(`\n${farm.manifest.listeners.length} listeners on ${farm.settings.host}, hostname ${farm.manifest.hostname}\n`);
  process.stdout.write(`trust this root CA: ${farm.manifest.trust.rootCaFile}\n`);
  if (farm.control) process.stdout.write(`dashboard and control API: ${farm.control.url}/\n`);
  if (manifestOut) process.stdout.write(`manifest: ${manifestOut}\n`);
  process.stdout.write('Ctrl-C stops the farm.\n');
}

/**
 * `badorigin probe`: checks every selected listener of a running farm with the reference Node client; exit code 1
 * on a mismatch. @throws FarmError NO_FARM when nothing listens at the manifest's ports.
 */
async function probeFarm(argv: Readonly<Record<string, unknown>>): Promise<void> {
  const settings = resolveSettings(farmOptionsOf(argv));
  const { manifest: manifestFile, json } = readOptions(PROBE_OPTIONS, argv);
  const manifest = manifestFile ? readManifestFile(manifestFile) : plannedManifest(settings);
  const { ports, found } = await farmListens(manifest, probedListeners(manifest, settings.only, settings.skip));
  if (!found) {
    const where = `${manifest.host} ${ports.length === 1 ? `port ${ports[0]}` : `ports ${ports[0]}-${ports.at(-1)}`}`;
    throw farmError('NO_FARM', where, manifestFile);
  }
  // Only a farm that answers makes its certificates worth checking against these options.
  if (!manifestFile) await warnIfCertsDiffer(settings);
  const results = await probe(manifest, settings.only, 4, settings.skip);
  const failed = results.filter((r) => !r.ok);
  if (json) process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, results }, null, 2)}\n`);
  else {
    for (const r of results) {
      const observed = r.observed.code ?? `ok (HTTP ${r.observed.status})`;
      process.stdout.write(
        `${r.ok ? 'ok  ' : 'FAIL'} ${String(r.port).padEnd(5)} ${r.id.padEnd(28)} expected ${String(r.expected.code ?? 'ok').padEnd(34)} observed ${observed}\n`,
      );
    }
    process.stdout.write(`${results.length - failed.length} passed, ${failed.length} failed\n`);
  }
  process.exitCode = failed.length === 0 ? 0 : 1;
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('badorigin')
    .usage('$0 [command] [options]\n\nA farm of deliberately broken origin servers.')
    .command(
      ['serve', '$0'],
      'run the farm until SIGINT, SIGTERM or SIGHUP (default command)',
      (y) => farmCommand(y, SERVE_OPTIONS),
      (argv) => serve(argv),
    )
    .command(
      'manifest',
      'print the manifest of a farm with these options (ports = base + offset), without starting it',
      (y) => farmCommand(y, MANIFEST_OPTIONS),
      async (argv) => {
        const settings = resolveSettings(farmOptionsOf(argv));
        const { format = MANIFEST_OPTIONS.format.default } = readOptions(MANIFEST_OPTIONS, argv);
        process.stdout.write(renderManifest(plannedManifest(settings), format));
        await warnIfCertsDiffer(settings);
      },
    )
    .command(
      'ca',
      'print the farm root CA certificate (PEM), creating the certs directory if needed (never replacing one that does not fit these options)',
      (y) => farmCommand(y),
      async (argv) => {
        const settings = resolveSettings(farmOptionsOf(argv));
        const pki = await Pki.open({ certsDir: settings.certsDir, hostnames: settings.hostnames, ips: settings.ips }, [], 'create-only');
        for (const notice of pki.notices) process.stderr.write(`badorigin: ${notice}\n`);
        process.stdout.write(pki.caPem('farm-root'));
      },
    )
    .command(
      'probe',
      'check every listener of a running farm with the reference Node client; exit 1 on any mismatch, 2 when no farm answers at its ports',
      (y) => farmCommand(y, PROBE_OPTIONS),
      probeFarm,
    )
    .command((await import('./commands/config.js')).configCommand)
    .command((await import('./commands/verify.js')).verifyCommand)
    .env('BADORIGIN')
    .strict()
    .help()
    // yargs lays out the whole help text for every command it parses (string widths of every line, ~100 ms of a
    // `manifest` run) unless it is told not to wrap; --help output keeps its own line breaks.
    .wrap(null)
    .fail((message, error) => {
      // yargs reports its own usage and config-file problems as YError: those are the user's to fix.
      if (error && error.name !== 'YError') throw error;
      // One line, as every error of the CLI: yargs breaks some of its messages (invalid choices) over lines.
      throw farmError('USAGE', (message ?? error?.message ?? 'bad usage (see --help)').replace(/\s*\n\s*/g, ' '));
    })
    .parseAsync();
}

main().catch((error: unknown) => {
  if (error instanceof FarmError) {
    process.stderr.write(`badorigin: ${optionsFile.attribute(error, hideBin(process.argv)).message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`badorigin: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
