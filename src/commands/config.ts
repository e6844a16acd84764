import { readFileSync, writeFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { FarmError } from '../errors.js';
import { plannedManifest, resolveSettings } from '../farm.js';
import { readManifestFile } from '../manifest-schema.js';
import { CONFIG_TARGETS, generateConfig } from '../config/index.js';
import { warnIfCertsDiffer } from './certs-check.js';

interface ConfigArgs {
  for: string;
  manifest?: string;
  out?: string;
  listen?: number;
  connectTimeout: number;
  readTimeout: number;
  host: string;
  hostname: string;
  basePort: number;
  certsDir?: string;
  scenariosDir?: string;
  only?: string[];
  skip?: string[];
}

const list = (values: string[] | undefined) => (values ?? []).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);

/**
 * `badorigin config --for <target> [--manifest FILE] [--out FILE]`: writes the configuration that points `target`
 * (nginx, haproxy, varnish, fastly-vcl, fastly-terraform, cloudfront) at every listener of a farm, or the Kubernetes
 * Services that expose a farm (kubernetes-service). The farm is the
 * `--manifest` file (e.g. from `serve --manifest-out`), else the planned manifest of the farm options given here
 * (ports = base port + offset). Writes to `--out` or standard output.
 * @throws FarmError BAD_MANIFEST for an unreadable manifest, BAD_OPTION for bad timeouts (exit code 2).
 */
export const configCommand: CommandModule<object, ConfigArgs> = {
  command: 'config',
  describe: 'write a CDN or proxy configuration pointing at every listener (--for nginx|haproxy|varnish|fastly-vcl|fastly-terraform|cloudfront), or the Kubernetes Services exposing them (--for kubernetes-service)',
  builder: (y: Argv) =>
    y
      .option('for', { type: 'string', choices: Object.keys(CONFIG_TARGETS), demandOption: true, describe: 'what to configure' })
      .option('manifest', { type: 'string', describe: 'manifest JSON of the farm (default: the planned manifest of the options below)' })
      .option('out', { type: 'string', describe: 'write the configuration here instead of standard output' })
      .option('listen', { type: 'number', describe: 'port the proxy listens on (nginx 8080, haproxy 8081, varnish 8082)' })
      .option('connect-timeout', { type: 'number', default: 2, describe: 'connect timeout towards each listener, seconds' })
      .option('read-timeout', { type: 'number', default: 3, describe: 'first-byte / between-bytes timeout, seconds' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'bind address of the farm' })
      .option('hostname', { type: 'string', default: 'localhost', describe: 'hostname(s) of the farm, comma-separated' })
      .option('base-port', { type: 'number', default: 9400, describe: 'base port of the farm' })
      .option('certs-dir', { type: 'string', describe: 'certificates directory of the farm (for the CA paths)' })
      .option('scenarios-dir', { type: 'string', describe: 'scenario files of the farm' })
      .option('only', { type: 'string', array: true, describe: 'only these scenario ids' })
      .option('skip', { type: 'string', array: true, describe: 'leave out these scenario ids' }) as unknown as Argv<ConfigArgs>,
  handler: async (argv: ArgumentsCamelCase<ConfigArgs>) => {
    for (const [flag, value] of [['--connect-timeout', argv.connectTimeout], ['--read-timeout', argv.readTimeout]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new FarmError('BAD_OPTION', `${flag} must be a whole number of seconds, not ${value}`);
    }
    const settings = argv.manifest
      ? null
      : resolveSettings({ host: argv.host, hostname: argv.hostname, basePort: argv.basePort, certsDir: argv.certsDir, scenariosDir: argv.scenariosDir, only: list(argv.only), skip: list(argv.skip) });
    const manifest = settings ? plannedManifest(settings) : readManifestFile(argv.manifest!);
    if (settings) await warnIfCertsDiffer(settings);
    // The Fastly targets embed the CA certificates; the generators stay pure, so read them here (when they exist yet).
    const caPems: Record<string, string> = {};
    for (const file of [manifest.trust.rootCaFile, manifest.trust.intermediateCaFile]) {
      try {
        caPems[file] = readFileSync(file, 'utf8');
      } catch {
        /* not created yet: the generator leaves a placeholder naming the file */
      }
    }
    const text = generateConfig(argv.for, manifest, { listen: argv.listen, connectTimeoutS: argv.connectTimeout, readTimeoutS: argv.readTimeout, caPems });
    if (argv.out) writeFileSync(argv.out, text);
    else process.stdout.write(text);
  },
};
