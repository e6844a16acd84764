import { isIP } from 'node:net';
import type { Manifest, ManifestListener } from '../manifest.js';
import { cdnOriginAddress, dnsLanding, hclString as hcl, isTls, routePath, type ConfigOptions } from './common.js';

/** A Terraform string template from literal pieces and raw expressions (`{ ref: 'var.zone_name' }` becomes `${var.zone_name}`). */
function template(...parts: (string | { ref: string })[]): string {
  return `"${parts.map((p) => (typeof p === 'string' ? hcl(p).slice(1, -1) : `\${${p.ref}}`)).join('')}"`;
}

const ZONE = { ref: 'var.zone_name' };
const ROUTE_HOST = { ref: 'var.route_host' };

/** How Cloudflare reaches one listener: the record its host name gets, the destination port, and whether it speaks TLS. */
interface CloudflareRoute {
  listener: ManifestListener;
  /** Record type and content of `<listener id>.<zone>`: the farm's address, or for a DNS listener its query name. */
  record: { type: 'A' | 'AAAA' | 'CNAME'; content: string };
  port: number;
  tls: boolean;
  /** False for DNS listeners: their host name must resolve through the farm's DNS server, so they have no path route. */
  pathRoute: boolean;
}

function farmRecord(address: string): CloudflareRoute['record'] {
  const family = isIP(address);
  return { type: family === 4 ? 'A' : family === 6 ? 'AAAA' : 'CNAME', content: address };
}

/** The routes of a manifest for Cloudflare, and the listeners left out with the reason. */
export function cloudflareRoutes(manifest: Manifest, options: ConfigOptions = {}): { routes: CloudflareRoute[]; skipped: string[] } {
  const farm = farmRecord(cdnOriginAddress(manifest, options));
  const landing = dnsLanding(manifest);
  const routes: CloudflareRoute[] = [];
  const skipped: string[] = [];
  for (const l of manifest.listeners) {
    if (l.transport !== 'dns') routes.push({ listener: l, record: farm, port: l.port, tls: isTls(l), pathRoute: true });
    else if (landing && l.query)
      routes.push({ listener: l, record: { type: 'CNAME', content: l.query.name }, port: landing.port, tls: true, pathRoute: false });
    else skipped.push(`${l.id}: the farm runs no tls-ok listener for the name to land on`);
  }
  return { routes, skipped };
}

/** The rule expression matching a listener: its own host name, or the routing host with its path prefix. */
function matchExpression(route: CloudflareRoute): string {
  const id = route.listener.id;
  const host = ['(http.host eq "', `${id}.`, ZONE, '")'] as const;
  if (!route.pathRoute) return template(...host);
  return template(
    ...host,
    ' or (http.host eq "',
    ROUTE_HOST,
    '.',
    ZONE,
    `" and starts_with(http.request.uri.path, "${routePath(route.listener)}"))`,
  );
}

/** A route rule's parameters: the destination port, and for a TLS listener the SNI of `var.origin_sni` when set. */
function originParameters(route: CloudflareRoute): string {
  const sni = route.tls ? ', sni = var.origin_sni == null ? null : { value = var.origin_sni }' : '';
  return `{ origin = { port = ${route.port} }${sni} }`;
}

function rule(route: CloudflareRoute, action: 'route' | 'set_config', parameters: string): string[] {
  const l = route.listener;
  return [
    '    {',
    `      ref               = ${hcl(`badorigin_${action}_${l.id.replaceAll('-', '_')}`)}`,
    `      description       = ${hcl(`${l.id}: ${l.title}`)}`,
    `      expression        = ${matchExpression(route)}`,
    `      action            = ${hcl(action)}`,
    `      action_parameters = ${parameters}`,
    '    },',
  ];
}

function ruleset(name: string, phase: string, description: string, rules: string[]): string[] {
  return [
    `resource "cloudflare_ruleset" ${hcl(name)} {`,
    '  zone_id     = var.zone_id',
    `  name        = ${hcl(name)}`,
    `  description = ${hcl(description)}`,
    '  kind        = "zone"',
    `  phase       = ${hcl(phase)}`,
    '  rules = [',
    ...rules,
    '  ]',
    '}',
    '',
  ];
}

function variables(manifest: Manifest): string[] {
  return [
    'variable "zone_id" {',
    '  type        = string',
    '  description = "The Cloudflare zone the farm\'s host names are created in."',
    '}',
    '',
    'variable "zone_name" {',
    '  type        = string',
    '  description = "The zone\'s name (example.com): listener <id> answers as <id>.<zone_name>."',
    '}',
    '',
    'variable "route_host" {',
    '  type        = string',
    '  default     = "badorigin"',
    '  description = "Label of the host that routes by path: https://<route_host>.<zone_name>/<listener id>/ (the path reaches the farm unchanged)."',
    '}',
    '',
    '# Only Full (strict) checks the origin certificate. Under Full,',
    '# "The certificate presented by the origin will not be validated in any way" (cloudflare-ssl-mode-full § Limitations);',
    "# Full (strict) wants it unexpired, publicly trusted or from Cloudflare's Origin CA, and matching the hostname",
    '# (cloudflare-ssl-mode-full-strict § Use when). Plain-HTTP listeners always get "flexible" (plain HTTP to the origin).',
    'variable "ssl_mode" {',
    '  type        = string',
    '  default     = "strict"',
    '  description = "SSL/TLS encryption mode towards the TLS listeners: strict = Full (strict), full = Full (no certificate check)."',
    '  validation {',
    '    condition     = contains(["strict", "full"], var.ssl_mode)',
    '    error_message = "ssl_mode must be \\"strict\\" (Full (strict)) or \\"full\\" (Full)."',
    '  }',
    '}',
    '',
    '# The farm CA is not publicly trusted: under Full (strict) every TLS listener then fails the same way. Adding the farm root to the',
    "# zone's Custom Origin Trust Store (cloudflare-error-526 § Resolution) lets the certificate faults be told apart; it trusts the",
    '# farm root for every origin of the zone, so use a zone of its own.',
    "# Cloudflare sends the visitor's host name (<id>.<zone_name>) as SNI, which the farm's certificates do not name. An origin rule",
    '# can override the SNI; whether your plan offers that, and whether Full (strict) then checks the certificate against it, is untested.',
    'variable "origin_sni" {',
    '  type        = string',
    '  default     = null',
    `  description = ${hcl(`SNI towards the TLS listeners, e.g. the farm's --hostname (${manifest.hostname}); null sends the visitor's host name.`)}`,
    '}',
    '',
    'variable "trust_farm_ca" {',
    '  type        = bool',
    '  default     = false',
    `  description = ${hcl(`Upload the farm root CA (${manifest.trust.rootCaFile}) to the zone's Custom Origin Trust Store.`)}`,
    '}',
    '',
  ];
}

/**
 * Terraform (HCL) for the Cloudflare provider v5: a proxied `cloudflare_dns_record` per listener (`<listener id>.<zone>`,
 * an A/AAAA record for an address or a CNAME for a name: `options.originAddress`, else the farm hostname; a DNS
 * listener's record is a CNAME to its query name, which reproduces only where that zone is delegated to the farm),
 * one for the path-routing host `<route_host>.<zone>`; a `cloudflare_ruleset` in phase `http_request_origin` with a
 * `route` rule per listener that overrides the destination port (`action_parameters.origin.port`) for its host name
 * and for `/<listener id>/` on the routing host (path forwarded unchanged); a `cloudflare_ruleset` in phase
 * `http_config_settings` with a `set_config` rule per listener: `ssl = var.ssl_mode` (default `strict`, Full (strict))
 * for TLS listeners, `flexible` (plain HTTP to the origin) for the others; `var.origin_sni` (default null) overrides
 * the SNI towards the TLS listeners (`action_parameters.sni.value`); and, with `var.trust_farm_ca`, a
 * `cloudflare_custom_origin_trust_store` holding the farm root. Cloudflare's origin timeouts are not per-origin settings,
 * so `options.connectTimeoutS`/`readTimeoutS` are not used. Untested against Cloudflare: HCL syntax checked only,
 * never applied (test/config.test.ts). Pure; never throws.
 */
export function cloudflareTerraformConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  const { routes, skipped } = cloudflareRoutes(manifest, options);
  const farm = farmRecord(cdnOriginAddress(manifest, options));
  const lines = [
    ...preamble(manifest, skipped),
    '',
    ...variables(manifest),
    'locals {',
    "  # Host name label => record: the farm for every listener, a DNS listener's query name for the DNS faults.",
    '  records = {',
    `    route_host = { name = ${template(ROUTE_HOST, '.', ZONE)}, type = ${hcl(farm.type)}, content = ${hcl(farm.content)} }`,
    ...routes.map(
      (r) =>
        `    ${hcl(r.listener.id)} = { name = ${template(`${r.listener.id}.`, ZONE)}, type = ${hcl(r.record.type)}, content = ${hcl(r.record.content)} }`,
    ),
    '  }',
    '}',
    '',
    'resource "cloudflare_dns_record" "badorigin" {',
    '  for_each = local.records',
    '  zone_id  = var.zone_id',
    '  name     = each.value.name',
    '  type     = each.value.type',
    '  content  = each.value.content',
    '  proxied  = true',
    '  ttl      = 1',
    '}',
    '',
    ...ruleset(
      'badorigin_origin',
      'http_request_origin',
      'badorigin: the destination port of each listener',
      routes.flatMap((r) => rule(r, 'route', originParameters(r))),
    ),
    ...ruleset(
      'badorigin_config',
      'http_config_settings',
      'badorigin: the SSL/TLS mode towards each listener',
      routes.flatMap((r) => rule(r, 'set_config', r.tls ? '{ ssl = var.ssl_mode }' : '{ ssl = "flexible" }')),
    ),
    'resource "cloudflare_custom_origin_trust_store" "farm_root" {',
    '  count       = var.trust_farm_ca ? 1 : 0',
    '  zone_id     = var.zone_id',
    `  certificate = file(${hcl(manifest.trust.rootCaFile)})`,
    '}',
    '',
  ];
  return lines.join('\n');
}

/** The file's header comments (what it is, what it leaves out) and the provider requirement. */
function preamble(manifest: Manifest, skipped: string[]): string[] {
  return [
    `# Generated by \`badorigin config --for cloudflare-terraform\` from a ${manifest.format} manifest (Cloudflare provider v5).`,
    '# UNTESTED against Cloudflare: syntax-checked (HCL) only, never applied.',
    `# Farm hostname ${manifest.hostname}. Each listener answers as <listener id>.<zone_name> and as /<listener id>/ on <route_host>.<zone_name>.`,
    '# A zone has one entry-point ruleset per phase: merge these rules into yours if the zone already has origin or configuration rules.',
    '# Cloudflare limits the number of rules per phase by plan; this file has one origin rule and one configuration rule per listener:',
    '# generate it with --only for a smaller farm if your plan allows fewer.',
    ...skipped.map((s) => `# not configured: ${s}`),
    '',
    'terraform {',
    '  required_providers {',
    '    cloudflare = {',
    '      source  = "cloudflare/cloudflare"',
    '      version = "~> 5.0"',
    '    }',
    '  }',
    '}',
  ];
}
