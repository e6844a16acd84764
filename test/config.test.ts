import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CacheBehavior, CacheBehaviors, Origin, Origins, CustomOriginConfig } from '@aws-sdk/client-cloudfront';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { runClient } from '../src/clients/run-client.js';
import { startFarm, type Farm } from '../src/farm.js';
import { CONFIG_TARGETS, generateConfig } from '../src/config/index.js';
import { cloudFrontOrigins, type CloudFrontCacheBehavior, type CloudFrontOrigin } from '../src/config/cloudfront.js';
import { fastlyBackendName } from '../src/config/fastly-vcl.js';
import { certsDir, tempDir } from './helpers/farm.js';
import { runCli } from './helpers/cli.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

// Compile-time check of the CloudFront generator against the AWS SDK's API shape: no field the API lacks, and the
// typed value is assignable to the SDK's `Origins` (this file is type-checked by `npm test`).
type NoExtra<A, B> = [Exclude<keyof A, keyof B>] extends [never] ? true : false;
const noExtraOriginFields: NoExtra<CloudFrontOrigin, Origin> = true;
const noExtraCustomOriginFields: NoExtra<CloudFrontOrigin['CustomOriginConfig'], CustomOriginConfig> = true;
const noExtraBehaviorFields: NoExtra<CloudFrontCacheBehavior, CacheBehavior> = true;

describe('config generators', () => {
  let farm: Farm;
  const certs = certsDir();
  const work = tempDir('badorigin-config-');
  const caPems = () => ({
    [farm.manifest.trust.rootCaFile]: readFileSync(farm.manifest.trust.rootCaFile, 'utf8'),
    [farm.manifest.trust.intermediateCaFile]: readFileSync(farm.manifest.trust.intermediateCaFile, 'utf8'),
  });

  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, controlPort: null });
    chmodSync(work.dir, 0o755); // varnishd compiles the VCL as its own unprivileged user
  });
  after(async () => {
    await farm?.close();
    work.remove();
    certs.remove();
  });

  test('every target is a generator', () => {
    assert.deepEqual(Object.keys(CONFIG_TARGETS).sort(), [
      'azure-frontdoor',
      'cloudflare-terraform',
      'cloudfront',
      'fastly-terraform',
      'fastly-vcl',
      'haproxy',
      'kubernetes-service',
      'nginx',
      'varnish',
    ]);
    assert.throws(() => generateConfig('apache', farm.manifest), /unknown config target 'apache'/);
  });

  test('nginx: `nginx -t` accepts it; every tcp/tls listener has its upstream and its TLS settings', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const text = generateConfig('nginx', farm.manifest, { foreground: true, errorLog: join(work.dir, 'nginx-error.log'), listen: 28080 });
    for (const l of farm.manifest.listeners.filter((l) => l.transport === 'tcp' || l.transport === 'tls'))
      assert.match(text, new RegExp(`upstream ${l.id} \\{\\n\\s+server 127\\.0\\.0\\.1:${l.port};`));
    assert.match(text, /location \/cert-expired\/ \{\n\s+proxy_pass https:\/\/cert-expired;\n\s+proxy_ssl_verify on;/);
    assert.match(text, /proxy_connect_timeout 2s;/);
    assert.match(text, /proxy_read_timeout 3s;/);
    assert.match(text, /client_max_body_size 0;/);
    // cert-issuer-missing trusts the intermediate, cert-sni-mismatch sends no SNI
    assert.match(
      text,
      new RegExp(
        `location /cert-issuer-missing/ \\{[^}]*proxy_ssl_trusted_certificate ${farm.manifest.trust.intermediateCaFile.replaceAll('.', '\\.')};`,
      ),
    );
    assert.match(text, /location \/cert-sni-mismatch\/ \{[^}]*proxy_ssl_server_name off;\n\s+proxy_ssl_name localhost;/);
    const file = join(work.dir, 'nginx.conf');
    writeFileSync(file, text);
    const result = await runClient(['nginx', '-t', '-c', file, '-p', work.dir, '-e', join(work.dir, 'nginx-startup.log')], 10_000);
    assert.equal(result.exit, 0, result.stderr);
  });

  test('haproxy: `haproxy -c` accepts it without warnings; TLS servers verify with the listener CA, SNI and name', async (t) => {
    if (!requireTool(t, 'haproxy')) return;
    const text = generateConfig('haproxy', farm.manifest, { listen: 28081 });
    const l = farm.manifest.listeners.find((l) => l.id === 'cert-expired')!;
    assert.match(
      text,
      new RegExp(
        `backend cert-expired\\n\\s+server cert-expired 127\\.0\\.0\\.1:${l.port} ssl verify required ca-file \\S+root-ca\\.pem sni str\\(localhost\\) verifyhost localhost`,
      ),
    );
    assert.match(text, /retries 0/);
    assert.match(text, /timeout connect 2s/);
    assert.match(text, /%\[ssl_bc_err\] %\[ssl_bc_err_str\]/);
    const file = join(work.dir, 'haproxy.cfg');
    writeFileSync(file, text);
    const result = await runClient(['haproxy', '-c', '-f', file], 10_000);
    assert.equal(result.exit, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /WARNING/);
  });

  test('varnish: `varnishd -C` compiles it; plain listeners only, with their timeouts', async (t) => {
    if (!requireTool(t, 'varnishd')) return;
    const text = generateConfig('varnish', farm.manifest);
    assert.match(text, /backend close-on-connect \{[^}]*\.first_byte_timeout = 3s;\n\s+\.between_bytes_timeout = 3s;/);
    assert.doesNotMatch(text, /backend cert-expired \{/);
    assert.match(text, /# not configured: cert-expired: open-source Varnish has no backend TLS/);
    const file = join(work.dir, 'varnish.vcl');
    writeFileSync(file, text);
    chmodSync(file, 0o644);
    const result = await runClient(['varnishd', '-C', '-f', file, '-n', join(work.dir, 'varnish-c')], 20_000);
    assert.equal(result.exit, 0, result.stderr.slice(-2000));
  });

  test('fastly-vcl: every TLS backend names the fields the Fastly docs name; vcl_error shows obj.response', () => {
    const text = generateConfig('fastly-vcl', farm.manifest, { caPems: caPems() });
    const rootPem = readFileSync(farm.manifest.trust.rootCaFile, 'utf8').trim();
    for (const l of farm.manifest.listeners.filter((l) => l.transport === 'tls')) {
      const block = new RegExp(`backend ${fastlyBackendName(l)} \\{([^}]*)\\}`).exec(text)?.[1];
      assert.ok(block, `no backend for ${l.id}`);
      for (const field of [
        '.ssl = true;',
        `.ssl_cert_hostname = "${l.connect.certHostname}";`,
        '.ssl_ca_cert = {"-----BEGIN CERTIFICATE-----',
        '.first_byte_timeout = 3s;',
        '.between_bytes_timeout = 3s;',
        '.connect_timeout = 2s;',
        '.max_connections = 200;',
      ]) {
        assert.ok(block.includes(field), `${l.id}: no ${field}`);
      }
      assert.equal(block.includes(`.ssl_sni_hostname = "${l.connect.sni}";`), l.connect.sni !== null, `${l.id}: SNI`);
    }
    assert.ok(text.includes(rootPem));
    assert.match(text, /sub vcl_error \{\n#FASTLY error\n[^}]*set obj\.http\.X-Badorigin-Error = obj\.response;/);
  });

  test('fastly-vcl does not compile in open-source varnishd (why it is untested here)', async (t) => {
    if (!requireTool(t, 'varnishd')) return;
    const file = join(work.dir, 'fastly.vcl');
    writeFileSync(file, `vcl 4.1;\n${generateConfig('fastly-vcl', farm.manifest, { caPems: caPems() })}`);
    chmodSync(file, 0o644);
    const result = await runClient(['varnishd', '-C', '-f', file, '-n', join(work.dir, 'varnish-f')], 20_000);
    assert.notEqual(result.exit, 0);
  });

  test('fastly-terraform: valid HCL (@cdktf/hcl2json), one backend per listener named after it', async () => {
    const text = generateConfig('fastly-terraform', farm.manifest);
    const json = (await parseHcl('main.tf', text)) as {
      resource: {
        fastly_service_vcl: {
          badorigin: { backend: { name: string; ssl_ca_cert?: string; first_byte_timeout: number }[]; condition: unknown[] }[];
        };
      };
    };
    const service = json.resource.fastly_service_vcl.badorigin[0]!;
    assert.deepEqual(service.backend.map((b) => b.name).sort(), farm.manifest.listeners.map((l) => l.id).sort());
    assert.equal(service.condition.length, farm.manifest.listeners.length);
    assert.ok(service.backend.every((b) => b.first_byte_timeout === 3000));
    await assert.rejects(parseHcl('bad.tf', `${text}\n}`));
  });

  test('cloudfront: Origins and CacheBehaviors of the API shape, one origin and one /<listener id>/* behavior per listener', () => {
    assert.ok(noExtraOriginFields && noExtraCustomOriginFields && noExtraBehaviorFields);
    const { origins, behaviors } = cloudFrontOrigins(farm.manifest);
    const typed: { Origins: Origins; CacheBehaviors: CacheBehaviors } = { Origins: origins, CacheBehaviors: behaviors }; // type-checked against @aws-sdk/client-cloudfront
    const parsed = JSON.parse(generateConfig('cloudfront', farm.manifest)) as {
      Origins: Origins;
      CacheBehaviors: CacheBehaviors;
      _skipped?: string[];
    };
    assert.equal(parsed.Origins.Quantity, parsed.Origins.Items!.length);
    assert.deepEqual(parsed.Origins.Items, typed.Origins.Items);
    assert.deepEqual(parsed.Origins.Items!.map((o) => o.Id).sort(), farm.manifest.listeners.map((l) => l.id).sort());
    const expired = parsed.Origins.Items!.find((o) => o.Id === 'cert-expired')!;
    assert.equal(expired.CustomOriginConfig!.OriginProtocolPolicy, 'https-only');
    assert.equal(expired.ConnectionTimeout, 2);
    assert.equal(parsed.CacheBehaviors.Quantity, parsed.Origins.Quantity);
    assert.deepEqual(parsed.CacheBehaviors.Items, typed.CacheBehaviors.Items);
    for (const b of parsed.CacheBehaviors.Items!) {
      assert.equal(b.PathPattern, `/${b.TargetOriginId}/*`);
      assert.ok(b.AllowedMethods!.Items!.includes('POST'));
      assert.equal(b.CachePolicyId, '4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    }
    // A planned farm on the default base port keeps every port CloudFront accepts.
    const low = cloudFrontOrigins({ ...farm.manifest, listeners: farm.manifest.listeners.map((l) => ({ ...l, port: 500 })) });
    assert.equal(low.origins.Quantity, 0);
    assert.equal(low.behaviors.Quantity, 0);
    assert.equal(low.skipped.length, farm.manifest.listeners.length);
  });

  test('CLI: config --for writes the planned farm configuration to --out; bad targets exit 2', async () => {
    const out = join(work.dir, 'out.conf');
    const ok = await runCli([
      'config',
      '--for',
      'nginx',
      '--only',
      'cert-expired,connection-refused',
      '--certs-dir',
      certs.dir,
      '--out',
      out,
    ]);
    assert.equal(ok.exit, 0, ok.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /upstream cert-expired \{\n\s+server 127\.0\.0\.1:9402;/);
    assert.match(text, /upstream connection-refused \{\n\s+server 127\.0\.0\.1:9440;/);
    const manifestFile = join(work.dir, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify(farm.manifest));
    const fromManifest = await runCli(['config', '--for', 'haproxy', '--manifest', manifestFile, '--listen', '28099']);
    assert.equal(fromManifest.exit, 0, fromManifest.stderr);
    assert.match(fromManifest.stdout, /bind 127\.0\.0\.1:28099/);
    const bad = await runCli(['config', '--for', 'apache']);
    assert.equal(bad.exit, 2);
    assert.match(bad.stderr, /Choices: .*"nginx"/);
  });
});
