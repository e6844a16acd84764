import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { curlArgs } from '../src/clients/commands.js';
import { runClient } from '../src/clients/run-client.js';
import { DEFAULT_SCENARIOS_DIR } from '../src/catalogue.js';
import { assertManifest, readManifestFile } from '../src/manifest-schema.js';
import { tempDir } from './helpers/farm.js';
import { runCli, startServe } from './helpers/cli.js';
import { requireTool } from './helpers/tools.js';

/**
 * Binds two adjacent free ports below Linux's ephemeral range (32768+), so no other test's ephemeral port can take
 * the free one meanwhile; holds the upper one and leaves the lower one free. Bounded retries.
 */
async function holdPortAboveFreeOne(): Promise<Server> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 21000 + Math.floor(Math.random() * 8000);
    if (!(await portIsFree(port - 1))) continue;
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) return server;
  }
  throw new Error('found no two free adjacent ports in 20 tries');
}
const portOf = (server: Server) => (server.address() as { port: number }).port;
const closeServer = (server: Server) => new Promise((resolve) => server.close(resolve));

/** True when nothing listens on the port (binding it succeeds). */
async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('badorigin CLI', () => {
  test('a busy port: one line naming the port and the scenario, exit 2, nothing left listening', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const held = await holdPortAboveFreeOne();
    t.after(() => closeServer(held));
    const busy = portOf(held);
    // tls-ok is offset 1 and cert-expired offset 2: put cert-expired on the busy port.
    const result = await runCli(['serve', '--base-port', String(busy - 2), '--only', 'tls-ok,cert-expired', '--certs-dir', dir]);
    assert.equal(result.exit, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`port ${busy} .*cert-expired.* is already in use`));
    assert.ok(await portIsFree(busy - 1), 'tls-ok must not be left listening');
  });

  test('an unknown scenario id lists the valid ids, exit 2', async () => {
    const result = await runCli(['manifest', '--only', 'cert-expird']);
    assert.equal(result.exit, 2);
    assert.match(result.stderr, /unknown scenario id cert-expird; valid ids: .*tls-ok.*cert-expired/);
  });

  test('a bad config file and a bad scenario file give one clear line, exit 2', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    writeFileSync(join(dir, 'bad.json'), '{ "base-port": ');
    const config = await runCli(['manifest', '--config', join(dir, 'bad.json')]);
    assert.equal(config.exit, 2);
    assert.match(config.stderr, /^badorigin: .*JSON/);

    mkdirSync(join(dir, 'scenarios'));
    copyFileSync(join(DEFAULT_SCENARIOS_DIR, 'tls-ok.yaml'), join(dir, 'scenarios', 'tls-ok.yaml'));
    writeFileSync(join(dir, 'scenarios', 'broken.yaml'), 'id: broken\noffset: 3\nfamily: certificate\n');
    const scenario = await runCli(['manifest', '--scenarios-dir', join(dir, 'scenarios')]);
    assert.equal(scenario.exit, 2);
    assert.match(scenario.stderr, /broken\.yaml: .*must have required property/);

    writeFileSync(join(dir, 'scenarios', 'broken.yaml'), 'id: broken\nid: twice\n');
    const duplicate = await runCli(['manifest', '--scenarios-dir', join(dir, 'scenarios')]);
    assert.equal(duplicate.exit, 2);
    assert.match(duplicate.stderr, /^badorigin: .*broken\.yaml:2:1: not valid YAML\/JSON: duplicated mapping key\n$/);
  });

  test('manifest --format json is valid against the schema, with ports = base port + offset', async () => {
    const result = await runCli(['manifest', '--format', 'json', '--base-port', '20000']);
    assert.equal(result.exit, 0, result.stderr);
    const manifest: unknown = JSON.parse(result.stdout);
    assertManifest(manifest);
    assert.equal(manifest.listeners.find((l) => l.id === 'cert-expired')?.port, 20002);
    assert.equal(manifest.listeners.find((l) => l.id === 'tls-ok')?.port, 20001);
    const markdown = await runCli(['manifest', '--format', 'markdown']);
    assert.match(markdown.stdout, /^\| 9402 \| cert-expired \| 503 "certificate has expired" \| 502 \(Error from cloudfront\) \| CERT_HAS_EXPIRED \| 60 \|$/m);
  });

  test('serve runs until SIGTERM, answers real clients, probe passes, and a changed expectation makes probe fail', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    const manifestFile = join(dir, 'manifest.json');
    const serve = await startServe(['--base-port', '0', '--certs-dir', join(dir, 'certs'), '--manifest-out', manifestFile]);
    t.after(() => serve.child.kill('SIGKILL'));
    assert.match(serve.output(), /trust this root CA: .*root-ca\.pem/);
    const manifest = readManifestFile(manifestFile);

    const expired = manifest.listeners.find((l) => l.id === 'cert-expired')!;
    const curl = await runClient(curlArgs(manifest, expired));
    assert.equal(curl.exit, 60);
    assert.match(curl.stderr, /certificate has expired/);

    const ca = await runCli(['ca', '--certs-dir', join(dir, 'certs')]);
    assert.equal(ca.stdout, readFileSync(manifest.trust.rootCaFile, 'utf8'));

    const probe = await runCli(['probe', '--manifest', manifestFile]);
    assert.equal(probe.exit, 0, probe.stdout + probe.stderr);
    assert.match(probe.stdout, new RegExp(`^${manifest.listeners.length} passed, 0 failed$`, 'm'));

    // A manifest that promised cert-expired would succeed must make probe fail.
    const lying = structuredClone(manifest);
    lying.listeners.find((l) => l.id === 'cert-expired')!.expect.node = { code: null };
    writeFileSync(join(dir, 'lying.json'), JSON.stringify(lying));
    const failing = await runCli(['probe', '--manifest', join(dir, 'lying.json'), '--only', 'cert-expired', '--json']);
    assert.equal(failing.exit, 1);
    const report = JSON.parse(failing.stdout) as { ok: boolean; results: { observed: { code: string } }[] };
    assert.equal(report.ok, false);
    assert.equal(report.results[0]!.observed.code, 'CERT_HAS_EXPIRED');

    // A connection held open (the TLS handshake never started) must be closed by the shutdown, not waited for.
    const { connect } = await import('node:net');
    const held = connect(expired.port, '127.0.0.1');
    held.on('error', () => undefined);
    await new Promise((resolve) => held.once('connect', resolve));
    const heldClosed = new Promise<void>((resolve) => held.once('close', () => resolve()));
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0);
    await heldClosed;
    assert.ok(await portIsFree(expired.port), 'the port is released after SIGTERM');
  });

  test('serve whose output reader has gone (serve 2>&1 | head) keeps serving, logging nothing, and still stops on SIGTERM', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    const manifestFile = join(dir, 'manifest.json');
    // The default log level writes every event to standard output; with both pipes closed each write fails (EPIPE).
    const serve = await startServe(['--base-port', '0', '--only', 'http-ok', '--no-control', '--certs-dir', join(dir, 'certs'), '--manifest-out', manifestFile]);
    t.after(() => serve.child.kill('SIGKILL'));
    serve.child.stdout!.destroy();
    serve.child.stderr!.destroy();
    const listener = readManifestFile(manifestFile).listeners[0]!;
    for (let i = 0; i < 3; i++) {
      const curl = await runClient(curlArgs(readManifestFile(manifestFile), listener));
      assert.deepEqual([curl.exit, curl.stdout.trim()], [0, '200'], 'still serving after its output failed');
    }
    serve.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running 10 s after SIGTERM'), 10_000)));
    assert.equal(await Promise.race([serve.exited, gaveUp]), 0);
    clearTimeout(timer);
  });
});
