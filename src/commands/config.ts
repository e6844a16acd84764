import { readFileSync, writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { farmError } from '../errors.js';
import { plannedManifest, resolveSettings } from '../farm.js';
import type { Manifest } from '../manifest.js';
import { readManifestFile } from '../manifest-schema.js';
import { CONFIG_TARGETS, generateConfig } from '../config/index.js';
import { warnIfCertsDiffer } from './certs-check.js';
import { readOptions, type OptionSpecs } from '../options/spec.js';
import { FARM_OPTIONS } from '../options/table.js';
import { declareOptions } from '../options/yargs.js';

/** The options of `config` besides the farm's (which give the planned manifest when there is no `--manifest`). */
const CONFIG_OPTIONS = {
  for: { kind: 'string', choices: Object.keys(CONFIG_TARGETS), required: true, help: 'what to configure' },
  manifest: { kind: 'string', help: 'manifest JSON of the farm (default: the planned manifest of the options below)' },
  out: { kind: 'string', help: 'write the configuration here instead of standard output' },
  listen: { kind: 'number', unit: 'port', help: 'port the proxy listens on (nginx 8080, haproxy 8081, varnish 8082)' },
  connectTimeout: { kind: 'number', unit: 's', default: 2, help: 'connect timeout towards each listener' },
  readTimeout: { kind: 'number', unit: 's', default: 3, help: 'first-byte / between-bytes timeout' },
} as const satisfies OptionSpecs;

/** The farm options `config` takes: those that decide ports, names and CA paths. */
const FARM_SUBSET = {
  host: FARM_OPTIONS.host,
  hostname: FARM_OPTIONS.hostname,
  basePort: FARM_OPTIONS.basePort,
  certsDir: FARM_OPTIONS.certsDir,
  scenariosDir: FARM_OPTIONS.scenariosDir,
  only: FARM_OPTIONS.only,
  skip: FARM_OPTIONS.skip,
} as const satisfies OptionSpecs;

/**
 * `badorigin config --for <target> [--manifest FILE] [--out FILE]`: writes the configuration that points `target`
 * (nginx, haproxy, varnish, fastly-vcl, fastly-terraform, cloudfront, cloudflare-terraform, azure-frontdoor) at every
 * listener of a farm, each under the path `/<listener id>/`, or the Kubernetes
 * Services that expose a farm (kubernetes-service). The farm is the
 * `--manifest` file (e.g. from `serve --manifest-out`), else the planned manifest of the farm options given here
 * (ports = base port + offset). Writes to `--out` or standard output.
 * @throws FarmError BAD_MANIFEST for an unreadable manifest, BAD_OPTION for bad timeouts (exit code 2).
 */
export const configCommand: CommandModule = {
  command: 'config',
  describe:
    'write a CDN or proxy configuration pointing at every listener, each under /<listener id>/ (--for nginx|haproxy|varnish|fastly-vcl|fastly-terraform|cloudfront|cloudflare-terraform|azure-frontdoor), or the Kubernetes Services exposing them (--for kubernetes-service)',
  builder: (y: Argv) => declareOptions(y, { ...CONFIG_OPTIONS, ...FARM_SUBSET }),
  handler: async (argv) => {
    const options = readOptions(CONFIG_OPTIONS, argv);
    const { connectTimeout = CONFIG_OPTIONS.connectTimeout.default, readTimeout = CONFIG_OPTIONS.readTimeout.default } = options;
    for (const [flag, value] of [
      ['--connect-timeout', connectTimeout],
      ['--read-timeout', readTimeout],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw farmError('BAD_OPTION', flag, `must be a whole number of seconds, not ${value}`);
    }
    let manifest: Manifest;
    if (options.manifest) manifest = readManifestFile(options.manifest);
    else {
      const settings = resolveSettings(readOptions(FARM_SUBSET, argv));
      manifest = plannedManifest(settings);
      await warnIfCertsDiffer(settings);
    }
    // The Fastly targets embed the CA certificates; the generators stay pure, so read them here (when they exist yet).
    const caPems: Record<string, string> = {};
    for (const file of [manifest.trust.rootCaFile, manifest.trust.intermediateCaFile]) {
      try {
        caPems[file] = readFileSync(file, 'utf8');
      } catch {
        /* not created yet: the generator leaves a placeholder naming the file */
      }
    }
    const text = generateConfig(options.for ?? '', manifest, {
      listen: options.listen,
      connectTimeoutS: connectTimeout,
      readTimeoutS: readTimeout,
      caPems,
    });
    if (options.out) writeFileSync(options.out, text);
    else process.stdout.write(text);
  },
};
