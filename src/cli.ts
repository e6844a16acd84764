#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { warnIfCertsDiffer } from './commands/certs-check.js';
import { installProcessGuards } from './containment.js';
import { FarmError } from './errors.js';
import { plannedManifest, resolveSettings, startFarm, type FarmOptions } from './farm.js';
import { DEFAULT_CAPS } from './listeners/caps.js';
import { RESERVED_FDS } from './listeners/connection-budget.js';
import { readManifestFile } from './manifest-schema.js';
import { OptionsFile, type OptionTable } from './options-file.js';
import { watchParent } from './parent-watch.js';
import { Pki } from './pki/index.js';
import { farmListens, probe, probedListeners } from './probe.js';
import { renderManifest, type ManifestFormat } from './render.js';
import { absorbTerminalErrors } from './terminal.js';
import { replaceWeakDhWarning } from './weak-dh-warning.js';

/** The `--config` file of this run. */
const optionsFile = new OptionsFile();

/** The options yargs knows for the command being parsed (its getOptions(), which @types/yargs leaves out). */
const optionTable = (y: Argv<unknown>) => (y as Argv<unknown> & { getOptions(): OptionTable }).getOptions();

const list = (values: string[] | undefined) => (values ?? []).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);

/** Farm options shared by serve, manifest, ca and probe. */
function farmOptions<T>(y: Argv<T>) {
  return y
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'bind address of every listener' })
    .option('hostname', { type: 'string', default: 'localhost', describe: 'hostname(s) clients use, comma-separated; in every valid certificate and the root CA name constraints' })
    .option('base-port', { type: 'number', default: 9400, describe: 'port of offset 0 (listeners take base + offset); 0 = ephemeral ports' })
    .option('only', { type: 'string', array: true, describe: 'run only these scenario ids (all their listeners) or listener ids such as slow-first-byte-tls (comma-separated or repeated)' })
    .option('skip', { type: 'string', array: true, describe: 'leave out these scenario or listener ids' })
    .option('certs-dir', { type: 'string', describe: 'where the farm CA and leaves are kept (default: certs/ of a source checkout, else ~/.local/share/badorigin/certs)' })
    .option('scenarios-dir', { type: 'string', describe: 'scenario files to load instead of the built-in catalogue' })
    .option('tls-cert', { type: 'string', describe: "PEM certificate chain of your own (e.g. publicly trusted), served wherever a scenario needs a valid one" })
    .option('tls-key', { type: 'string', describe: 'PEM private key of --tls-cert' })
    .option('dns-port', { type: 'number', describe: 'port of the embedded DNS server, UDP and TCP (default: base port + 0; 53 where you may bind it)' })
    .option('dns-zone', { type: 'string', default: 'origin.test', describe: 'zone the embedded DNS server is authoritative for' })
    .option('control-port', { type: 'number', describe: 'port of the control API and dashboard (default: base port - 1)' })
    .option('control-host', { type: 'string', default: '127.0.0.1', describe: 'bind address of the control API; off loopback it needs --control-token' })
    .option('control-token', { type: 'string', describe: 'bearer token the control API requires on every request' })
    .option('control', { type: 'boolean', default: true, describe: 'run the control API and dashboard (--no-control: do not)' })
    .option('log-level', { type: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], describe: 'event log level' })
    .option('log-file', { type: 'string', describe: 'write the event log (JSON lines) here instead of standard output' })
    .option('max-connections', { type: 'number', describe: 'concurrent connections per listener; more are reset and logged (default 20000 or nine tenths of --max-open-connections, whichever is less)' })
    .option('max-open-connections', { type: 'number', describe: `concurrent connections across the farm; more are reset and logged (default and ceiling: RLIMIT_NOFILE - ${RESERVED_FDS})` })
    .option('max-hold-ms', { type: 'number', describe: 'longest a connection may stay open, in ms; older ones are closed and logged (default 600000)' })
    .option('head-timeout-ms', { type: 'number', describe: `longest a client may take to send a request head, in ms; slower ones are closed and logged (default ${DEFAULT_CAPS.headTimeoutMs})` })
    .option('handshake-timeout-ms', { type: 'number', describe: `longest a client may take to complete a TLS handshake, in ms; slower ones are closed and logged (default ${DEFAULT_CAPS.handshakeTimeoutMs})` })
    .option('max-header-bytes', { type: 'number', describe: 'largest request head an HTTP listener reads, in bytes; larger ones get 400/431 and are logged (default 32768)' })
    .option('max-headers', { type: 'number', describe: 'most header fields in a request; more get 400/431 and are logged (default 100)' })
    .config('config', 'JSON file with any of these options (keys as the long flag names)', (file: string) => optionsFile.read(file, optionTable(y)));
}

type FarmArgs = {
  host: string; hostname: string; basePort: number; only?: string[]; skip?: string[]; certsDir?: string; scenariosDir?: string;
  tlsCert?: string; tlsKey?: string; dnsPort?: number; dnsZone: string;
  controlPort?: number; controlHost: string; controlToken?: string; control: boolean; logLevel: string; logFile?: string;
  maxConnections?: number; maxHoldMs?: number; maxHeaderBytes?: number; maxHeaders?: number;
  maxOpenConnections?: number; headTimeoutMs?: number; handshakeTimeoutMs?: number;
};

function toOptions(argv: FarmArgs): FarmOptions {
  return {
    host: argv.host,
    hostname: argv.hostname,
    basePort: argv.basePort,
    only: list(argv.only),
    skip: list(argv.skip),
    certsDir: argv.certsDir,
    scenariosDir: argv.scenariosDir,
    tlsCert: argv.tlsCert,
    tlsKey: argv.tlsKey,
    dnsPort: argv.dnsPort,
    dnsZone: argv.dnsZone,
    controlPort: argv.control ? argv.controlPort : null,
    controlHost: argv.controlHost,
    controlToken: argv.controlToken,
    logLevel: argv.logLevel,
    logFile: argv.logFile,
    maxConnections: argv.maxConnections,
    maxHoldMs: argv.maxHoldMs,
    maxHeaderBytes: argv.maxHeaderBytes,
    maxHeaders: argv.maxHeaders,
    maxOpenConnections: argv.maxOpenConnections,
    headTimeoutMs: argv.headTimeoutMs,
    handshakeTimeoutMs: argv.handshakeTimeoutMs,
  };
}

/** Longest `serve` waits for the farm to close on SIGINT/SIGTERM/SIGHUP before it exits anyway, in ms. */
const STOP_DEADLINE_MS = 1500;

async function serve(argv: FarmArgs & { manifestOut?: string }): Promise<void> {
  absorbTerminalErrors();
  replaceWeakDhWarning((notice) => process.stderr.write(`badorigin: ${notice}\n`));
  const farm = await startFarm(toOptions(argv));
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
    if (listener) farm.events.emit('event', { listener, type: 'handler-error', time: Date.now(), error: `uncaught ${kind}: ${error.message}` });
    process.stderr.write(`badorigin: uncaught ${kind}${listener ? ` in listener ${listener}` : ''}: ${error.stack ?? error.message}\n`);
  });
  for (const notice of farm.notices) process.stderr.write(`badorigin: ${notice}\n`);
  for (const listener of farm.manifest.listeners) {
    if (listener.warning) process.stderr.write(`badorigin: warning: ${listener.id}: ${listener.warning}\n`);
  }
  if (argv.manifestOut) writeFileSync(argv.manifestOut, renderManifest(farm.manifest, 'json'));
  process.stdout.write(renderManifest(farm.manifest, 'table'));
  process.stdout.write(`\n${farm.manifest.listeners.length} listeners on ${farm.settings.host}, hostname ${farm.manifest.hostname}\n`);
  process.stdout.write(`trust this root CA: ${farm.manifest.trust.rootCaFile}\n`);
  if (farm.control) process.stdout.write(`dashboard and control API: ${farm.control.url}/\n`);
  if (argv.manifestOut) process.stdout.write(`manifest: ${argv.manifestOut}\n`);
  process.stdout.write('Ctrl-C stops the farm.\n');
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('badorigin')
    .usage('$0 [command] [options]\n\nA farm of deliberately broken origin servers.')
    .command(
      ['serve', '$0'],
      'run the farm until SIGINT, SIGTERM or SIGHUP (default command)',
      (y) => farmOptions(y).option('manifest-out', { type: 'string', describe: 'write the manifest JSON here once every listener is bound' }),
      (argv) => serve(argv as unknown as FarmArgs & { manifestOut?: string }),
    )
    .command(
      'manifest',
      'print the manifest of a farm with these options (ports = base + offset), without starting it',
      (y) => farmOptions(y).option('format', { choices: ['json', 'markdown', 'table'] as const, default: 'json' as const }),
      async (argv) => {
        const settings = resolveSettings(toOptions(argv as unknown as FarmArgs));
        process.stdout.write(renderManifest(plannedManifest(settings), argv.format as ManifestFormat));
        await warnIfCertsDiffer(settings);
      },
    )
    .command(
      'ca',
      'print the farm root CA certificate (PEM), creating the certs directory if needed (never replacing one that does not fit these options)',
      (y) => farmOptions(y),
      async (argv) => {
        const settings = resolveSettings(toOptions(argv as unknown as FarmArgs));
        const pki = await Pki.open({ certsDir: settings.certsDir, hostnames: settings.hostnames, ips: settings.ips }, [], 'create-only');
        for (const notice of pki.notices) process.stderr.write(`badorigin: ${notice}\n`);
        process.stdout.write(pki.caPem('farm-root'));
      },
    )
    .command(
      'probe',
      'check every listener of a running farm with the reference Node client; exit 1 on any mismatch, 2 when no farm answers at its ports',
      (y) =>
        farmOptions(y)
          .option('manifest', { type: 'string', describe: 'manifest JSON of the running farm (default: the manifest these options give)' })
          .option('json', { type: 'boolean', default: false, describe: 'print the results as JSON' }),
      async (argv) => {
        const options = toOptions(argv as unknown as FarmArgs);
        const settings = resolveSettings(options);
        const manifest = argv.manifest ? readManifestFile(argv.manifest) : plannedManifest(settings);
        const { ports, found } = await farmListens(manifest, probedListeners(manifest, options.only, options.skip));
        if (!found) {
          const where = `${manifest.host} ${ports.length === 1 ? `port ${ports[0]}` : `ports ${ports[0]}-${ports.at(-1)}`}`;
          throw new FarmError(
            'NO_FARM',
            argv.manifest
              ? `no farm found at ${where} (from --manifest ${argv.manifest}): start the farm that wrote it`
              : `no farm found at ${where}: start one, or give probe the same --base-port, --host, --hostname, --dns-port, --only and --skip the farm was started with`,
          );
        }
        // Only a farm that answers makes its certificates worth checking against these options.
        if (!argv.manifest) await warnIfCertsDiffer(settings);
        const results = await probe(manifest, options.only, 4, options.skip);
        const failed = results.filter((r) => !r.ok);
        if (argv.json) process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, results }, null, 2)}\n`);
        else {
          for (const r of results) {
            const observed = r.observed.code ?? `ok (HTTP ${r.observed.status})`;
            process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${String(r.port).padEnd(5)} ${r.id.padEnd(28)} expected ${String(r.expected.code ?? 'ok').padEnd(34)} observed ${observed}\n`);
          }
          process.stdout.write(`${results.length - failed.length} passed, ${failed.length} failed\n`);
        }
        process.exitCode = failed.length === 0 ? 0 : 1;
      },
    )
    .command((await import('./commands/config.js')).configCommand)
    .env('BADORIGIN')
    .strict()
    .help()
    .fail((message, error) => {
      // yargs reports its own usage and config-file problems as YError: those are the user's to fix.
      if (error && error.name !== 'YError') throw error;
      throw new FarmError('USAGE', message ?? error?.message ?? 'bad usage (see --help)');
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
