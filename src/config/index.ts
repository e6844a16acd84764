import type { Manifest } from '../manifest.js';
import type { ConfigOptions } from './common.js';
import { nginxConfig } from './nginx.js';
import { haproxyConfig } from './haproxy.js';
import { varnishConfig } from './varnish.js';
import { fastlyVclConfig } from './fastly-vcl.js';
import { fastlyTerraformConfig } from './fastly-terraform.js';
import { cloudFrontConfig } from './cloudfront.js';
import { kubernetesServiceConfig } from './kubernetes.js';
import { cloudflareTerraformConfig } from './cloudflare-terraform.js';
import { azureFrontDoorConfig } from './azure-frontdoor.js';

export type { ConfigOptions, ProxyName, Reach } from './common.js';
export { reach, reachable, routePath } from './common.js';

/** A generator: a pure function from a manifest and options to the text of a configuration file. */
export type ConfigGenerator = (manifest: Manifest, options?: ConfigOptions) => string;

/** Every target of `badorigin config --for <target>`, with its generator. */
export const CONFIG_TARGETS = {
  nginx: nginxConfig,
  haproxy: haproxyConfig,
  varnish: varnishConfig,
  'fastly-vcl': fastlyVclConfig,
  'fastly-terraform': fastlyTerraformConfig,
  cloudfront: cloudFrontConfig,
  'cloudflare-terraform': cloudflareTerraformConfig,
  'azure-frontdoor': azureFrontDoorConfig,
  'kubernetes-service': kubernetesServiceConfig,
} satisfies Record<string, ConfigGenerator>;

/** A target name of `badorigin config --for`. */
export type ConfigTarget = keyof typeof CONFIG_TARGETS;

/**
 * The configuration for `target` pointing at every listener of `manifest` it can reach (see each generator's doc).
 * @throws Error for an unknown target, naming the known ones.
 */
export function generateConfig(target: string, manifest: Manifest, options: ConfigOptions = {}): string {
  if (!isConfigTarget(target)) throw new Error(`unknown config target '${target}' (known: ${Object.keys(CONFIG_TARGETS).join(', ')})`);
  return CONFIG_TARGETS[target](manifest, options);
}

/** Whether `name` is a target of `CONFIG_TARGETS` (its own key: `toString` is none). */
function isConfigTarget(name: string): name is ConfigTarget {
  return Object.hasOwn(CONFIG_TARGETS, name);
}
