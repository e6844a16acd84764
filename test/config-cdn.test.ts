import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { generateConfig, reachable } from '../src/config/index.js';
import { AfdTemplate, type AfdOrigin, type AfdRoute } from '../src/config/azure-frontdoor-schema.js';
import { azureFrontDoorTemplate } from '../src/config/azure-frontdoor.js';
import type { Manifest, ManifestListener } from '../src/manifest.js';

const manifest = plannedManifest(resolveSettings({}));
const landing = manifest.listeners.find((l) => l.id === 'tls-ok')!;
const tls = (l: ManifestListener) => l.transport === 'tls' || l.transport === 'https' || l.transport === 'dns';
/** The port a CDN reaches a listener on: its own, or for a DNS listener the tls-ok listener its name lands on. */
const portOf = (l: ManifestListener) => (l.transport === 'dns' ? landing.port : l.port);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface CloudflareRule {
  ref: string;
  expression: string;
  action: string;
  action_parameters: { origin?: { port: number }; sni?: string; ssl?: string };
}
interface CloudflareTf {
  terraform: { required_providers: { cloudflare: { source: string; version: string } }[] }[];
  variable: Record<string, { default?: unknown; validation?: { condition: string }[] }[]>;
  locals: { records: Record<string, { name: string; type: string; content: string }> }[];
  resource: {
    cloudflare_dns_record: Record<string, { for_each: string; proxied: boolean; ttl: number }[]>;
    cloudflare_ruleset: Record<string, { phase: string; kind: string; zone_id: string; rules: CloudflareRule[] }[]>;
    cloudflare_custom_origin_trust_store: Record<string, { count: string; certificate: string }[]>;
  };
}

describe('cloudflare-terraform', () => {
  test('valid HCL (@cdktf/hcl2json): a record, an origin rule with the destination port and an SSL rule per listener', async () => {
    const text = generateConfig('cloudflare-terraform', manifest, { originAddress: '203.0.113.10' });
    assert.match(text, /^# .*\n# UNTESTED against Cloudflare/);
    const tf = (await parseHcl('main.tf', text)) as CloudflareTf;
    assert.equal(tf.terraform[0]!.required_providers[0]!.cloudflare.source, 'cloudflare/cloudflare');
    assert.equal(tf.variable.ssl_mode![0]!.default, 'strict');
    assert.match(tf.variable.ssl_mode![0]!.validation![0]!.condition, /contains\(\["strict", "full"\], var\.ssl_mode\)/);
    assert.equal(tf.variable.trust_farm_ca![0]!.default, false);
    assert.equal(tf.variable.origin_sni![0]!.default, null);
    const records = tf.locals[0]!.records;
    assert.deepEqual(Object.keys(records).sort(), ['route_host', ...manifest.listeners.map((l) => l.id)].sort());
    for (const l of manifest.listeners) {
      const expected = l.transport === 'dns' ? { type: 'CNAME', content: l.query!.name } : { type: 'A', content: '203.0.113.10' };
      assert.deepEqual(records[l.id], { name: `${l.id}.\${var.zone_name}`, ...expected }, l.id);
    }
    assert.deepEqual(tf.resource.cloudflare_dns_record.badorigin![0]!.proxied, true);
    const origin = tf.resource.cloudflare_ruleset.badorigin_origin![0]!;
    const config = tf.resource.cloudflare_ruleset.badorigin_config![0]!;
    assert.deepEqual(
      [origin.phase, origin.kind, config.phase, config.kind],
      ['http_request_origin', 'zone', 'http_config_settings', 'zone'],
    );
    assert.equal(origin.rules.length, manifest.listeners.length);
    assert.equal(config.rules.length, manifest.listeners.length);
    manifest.listeners.forEach((l, i) => {
      const route = origin.rules[i]!;
      const ssl = config.rules[i]!;
      const sni = tls(l) ? { sni: '${var.origin_sni == null ? null : { value = var.origin_sni }}' } : {};
      assert.deepEqual([route.action, route.action_parameters], ['route', { origin: { port: portOf(l) }, ...sni }], l.id);
      assert.deepEqual([ssl.action, ssl.action_parameters], ['set_config', { ssl: tls(l) ? '${var.ssl_mode}' : 'flexible' }], l.id);
      assert.equal(ssl.expression, route.expression);
      assert.ok(route.expression.startsWith(`(http.host eq "${l.id}.\${var.zone_name}")`), route.expression);
      assert.equal(route.expression.includes(`starts_with(http.request.uri.path, "/${l.id}/")`), l.transport !== 'dns', l.id);
    });
    assert.equal(new Set(origin.rules.map((r) => r.ref)).size, origin.rules.length);
    const store = tf.resource.cloudflare_custom_origin_trust_store.farm_root![0]!;
    assert.equal(store.count, '${var.trust_farm_ca ? 1 : 0}');
    assert.equal(store.certificate, `\${file("${manifest.trust.rootCaFile}")}`);
    await assert.rejects(parseHcl('bad.tf', `${text}\n}`));
  });

  test('the farm record is a CNAME for a host name, AAAA for an IPv6 address', async () => {
    const records = async (originAddress: string) =>
      ((await parseHcl('m.tf', generateConfig('cloudflare-terraform', manifest, { originAddress }))) as CloudflareTf).locals[0]!.records;
    assert.deepEqual((await records('farm.example.net'))['tls-ok'], {
      name: 'tls-ok.${var.zone_name}',
      type: 'CNAME',
      content: 'farm.example.net',
    });
    assert.equal((await records('2001:db8::1')).route_host!.type, 'AAAA');
  });
});

describe('azure-frontdoor', () => {
  const validate = new Ajv({ allErrors: true, strict: true }).compile(AfdTemplate);

  test('valid against the ARM schema; per listener an origin on its port and a route /<listener id>/*', () => {
    const template: unknown = JSON.parse(generateConfig('azure-frontdoor', manifest));
    assert.ok(validate(template), JSON.stringify(validate.errors?.slice(0, 3)));
    const typed = azureFrontDoorTemplate(manifest);
    assert.deepEqual(template, typed);
    assert.match(String(typed.metadata.untested), /^UNTESTED against Azure/);
    const origins = typed.resources.filter((r): r is AfdOrigin => r.type === 'Microsoft.Cdn/profiles/originGroups/origins');
    const routes = typed.resources.filter((r): r is AfdRoute => r.type === 'Microsoft.Cdn/profiles/afdEndpoints/routes');
    assert.equal(origins.length, manifest.listeners.length);
    assert.equal(routes.length, manifest.listeners.length);
    manifest.listeners.forEach((l, i) => {
      const o = origins[i]!.properties;
      assert.equal(tls(l) ? o.httpsPort : o.httpPort, portOf(l), l.id);
      assert.equal(o.hostName, l.transport === 'dns' ? l.query!.name : manifest.hostname);
      const r = routes[i]!;
      assert.deepEqual(r.properties.patternsToMatch, [`/${l.id}/*`]);
      assert.equal(r.properties.forwardingProtocol, tls(l) ? 'HttpsOnly' : 'HttpOnly');
      assert.equal(
        r.properties.originGroup.id,
        `[resourceId('Microsoft.Cdn/profiles/originGroups', parameters('profileName'), '${l.id}')]`,
      );
    });
    assert.equal(typed.resources.find((r) => r.type === 'Microsoft.Cdn/profiles')?.properties.originResponseTimeoutSeconds, 16);
  });

  test('the schema rejects what Front Door would: a port out of range, a * inside a path, a missing origin group, a bad name', () => {
    const broken = (edit: (t: ReturnType<typeof azureFrontDoorTemplate>) => void) => {
      const t = azureFrontDoorTemplate(manifest);
      edit(t);
      return validate(JSON.parse(JSON.stringify(t)));
    };
    const origin = (t: ReturnType<typeof azureFrontDoorTemplate>) =>
      t.resources.find((r): r is AfdOrigin => r.type === 'Microsoft.Cdn/profiles/originGroups/origins')!;
    const route = (t: ReturnType<typeof azureFrontDoorTemplate>) =>
      t.resources.find((r): r is AfdRoute => r.type === 'Microsoft.Cdn/profiles/afdEndpoints/routes')!;
    assert.equal(
      broken(() => {}),
      true,
    );
    assert.equal(
      broken((t) => {
        origin(t).properties.httpsPort = 70000;
      }),
      false,
    );
    assert.equal(
      broken((t) => {
        route(t).properties.patternsToMatch = ['/a*/b'];
      }),
      false,
    );
    assert.equal(
      broken((t) => {
        Reflect.deleteProperty(route(t).properties, 'originGroup');
      }),
      false,
    );
    assert.equal(
      broken((t) => {
        origin(t).name = "[concat(parameters('profileName'), '/-bad/x')]";
      }),
      false,
    );
    assert.equal(
      broken((t) => {
        Reflect.set(origin(t).properties, 'httpsPorts', 443);
      }),
      false,
    );
  });

  test('more listeners than a Standard profile takes: the sku defaults to Premium', () => {
    const many: Manifest = {
      ...manifest,
      listeners: Array.from({ length: 150 }, (_, i) => ({ ...manifest.listeners[0]!, id: `l${i}`, transport: 'tcp', port: 20000 + i })),
    };
    const t = azureFrontDoorTemplate(many);
    assert.equal(t.parameters.sku.defaultValue, 'Premium_AzureFrontDoor');
    assert.equal(
      azureFrontDoorTemplate({ ...manifest, listeners: manifest.listeners.slice(0, 20) }).parameters.sku.defaultValue,
      'Standard_AzureFrontDoor',
    );
    assert.ok(validate(t));
  });
});

describe('every routing target routes /<listener id>/ and forwards the path unchanged', () => {
  // How each generator's output says "requests under /<id>/ go to listener <id>"; none rewrites the path.
  const routes: Record<string, (id: string) => RegExp> = {
    nginx: (id) => new RegExp(`location /${escape(id)}/ \\{\\n[^}]*proxy_pass https?://[^/;]+;`),
    haproxy: (id) => new RegExp(`use_backend ${escape(id)} if \\{ path_beg /${escape(id)}/ \\}`),
    varnish: (id) => new RegExp(`if \\(req\\.url ~ "\\^/${escape(id)}/"\\) \\{\\n\\s+set req\\.backend_hint = ${escape(id)};`),
    'fastly-vcl': (id) =>
      new RegExp(`if \\(req\\.url ~ "\\^/${escape(id)}/"\\) \\{\\n\\s+set req\\.backend = F_${escape(id.replaceAll('-', '_'))};`),
    'fastly-terraform': (id) =>
      new RegExp(
        `name      = "route ${escape(id)}"\\n\\s+type      = "REQUEST"\\n\\s+statement = "req\\.url ~ \\\\"\\^/${escape(id)}/\\\\""`,
      ),
    cloudfront: (id) => new RegExp(`"PathPattern": "/${escape(id)}/\\*",\\n\\s+"TargetOriginId": "${escape(id)}"`),
    'cloudflare-terraform': (id) => new RegExp(`starts_with\\(http\\.request\\.uri\\.path, \\\\"/${escape(id)}/\\\\"\\)`),
    'azure-frontdoor': (id) => new RegExp(`"patternsToMatch": \\[\\n\\s+"/${escape(id)}/\\*"\\n\\s+\\]`),
  };
  const proxies = new Set(['nginx', 'haproxy', 'varnish']);
  for (const [target, route] of Object.entries(routes)) {
    test(target, () => {
      const text = generateConfig(target, manifest);
      const ids = proxies.has(target)
        ? reachable(target as 'nginx' | 'haproxy' | 'varnish', manifest).map((l) => l.id)
        : manifest.listeners.map((l) => l.id);
      // Cloudflare reaches the DNS faults by host name only: their names must resolve through the farm's DNS server.
      const routed = target === 'cloudflare-terraform' ? manifest.listeners.filter((l) => l.transport !== 'dns').map((l) => l.id) : ids;
      assert.ok(routed.length > 0);
      for (const id of routed) assert.match(text, route(id), `${target}: no route for /${id}/`);
      assert.doesNotMatch(text, /rewrite|OriginPath": "\/|originPath|uri_path|regsub/, `${target} rewrites a path`);
    });
  }
});

describe('the CDN targets cite sections that exist and quote them verbatim', () => {
  const docsDir = fileURLToPath(new URL('../../shared/docs/', import.meta.url));
  for (const target of ['cloudflare-terraform', 'azure-frontdoor']) {
    test(target, (t) => {
      if (!existsSync(docsDir)) {
        if (process.env.CI === 'true') throw new Error(`CI must have the CDN documents beside the clone (${docsDir})`);
        return t.skip('the CDN documents are not beside this checkout');
      }
      const text = generateConfig(target, manifest).replaceAll('\\"', '"');
      const citations = [...text.matchAll(/([a-z0-9]+(?:-[a-z0-9]+)+) § ([^)(,;\n"]+?)(?=\)|,|;|\n|")/g)];
      assert.ok(citations.length >= 3, `${target}: ${citations.length} citations`);
      for (const [, doc, section] of citations) {
        const body = readFileSync(`${docsDir}${doc}.txt`, 'utf8');
        assert.match(body, new RegExp(`^#+ ${escape(section!.trim())}$`, 'm'), `${doc} § ${section}`);
      }
      const quotes = [...text.matchAll(/"([^"]{30,})" \(/g)].map((m) => m[1]!);
      assert.ok(quotes.length >= 1, `${target}: no quotation found`);
      const docs = citations.map(([, doc]) => readFileSync(`${docsDir}${doc}.txt`, 'utf8').replace(/\s+/g, ' ')).join('\n');
      for (const quote of quotes) assert.ok(docs.includes(quote), `${target}: "${quote}" is not in the cited documents`);
    });
  }
});
