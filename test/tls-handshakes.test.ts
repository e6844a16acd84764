import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { before, describe, test } from 'node:test';
import { clientAddress } from '../src/address.js';
import { curlArgs, opensslArgs } from '../src/client-commands.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { parseOpensslVerify, runClient } from '../src/clients/run-client.js';
import { routePath } from '../src/config/common.js';
import { generateConfig } from '../src/config/index.js';
import type { ManifestListener } from '../src/manifest.js';
import { matchesNodeExpectation } from '../src/probe.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { gnutlsArgs } from './helpers/matrix.js';
import { freePort, proxyRequest, startNginx } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const IDS = [
  'tls-handshake-stall',
  'tls-sni-required',
  'tls-renegotiation-request',
  'tls-record-overflow',
  'cert-rsa-8192',
  'cert-expires-soon',
];
/**
 * Runs `argv`, writes `input` and keeps its stdin open (gnutls-cli ends its session at the end of stdin, which a
 * HelloRequest arriving later then meets) until its stdout matches `done` or `timeoutMs` passes; then kills it.
 * @returns what it printed on stdout.
 */
function untilOutput(argv: string[], input: string, done: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
    let output = '';
    const finish = () => (clearTimeout(timer), child.kill('SIGKILL'), resolve(output));
    const timer = setTimeout(finish, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (done.test(output)) finish();
    });
    child.on('close', finish);
    child.stdin.write(input);
  });
}

const HTTP_GET = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
/** How long the tests let a stalled client wait before killing it, in ms (a stall has no end of its own). */
const STALL_KILL_MS = 3_000;

describe('handshake faults and certificates, observed by Node, curl, openssl s_client and gnutls-cli', () => {
  const fixture = useFarm({ only: IDS, controlPort: null });
  const manifest = () => fixture.farm.manifest;
  const faultEvents: { listener: string; detail: string }[] = [];
  before(() =>
    fixture.farm.events.on('event', (e) => e.type === 'fault' && faultEvents.push({ listener: e.listener, detail: e.detail ?? '' })),
  );
  const faults = (id: string): string[] => faultEvents.filter((e) => e.listener === id).map((e) => e.detail);

  /** Node, curl, openssl s_client and gnutls-cli at once (their reference commands), each against expect.<client>. */
  async function assertReferenceClients(l: ManifestListener, killAfterMs?: number): Promise<void> {
    const [node, curl, openssl, gnutls] = await Promise.all([
      nodeRequest(manifest(), l),
      runClient(curlArgs(manifest(), l)),
      runClient(opensslArgs(manifest(), l), killAfterMs),
      runClient(gnutlsArgs(manifest(), l), killAfterMs),
    ]);
    assert.ok(matchesNodeExpectation(l.expect.node, node), `node: expected ${JSON.stringify(l.expect.node)}, got ${JSON.stringify(node)}`);
    if (node.code === null) assert.equal(node.status, 200);
    assert.ok([l.expect.curl!.exit].flat().includes(curl.exit!), `curl: expected ${l.expect.curl!.exit}, got ${curl.exit}: ${curl.stderr}`);
    for (const [name, result, expected] of [
      ['openssl', openssl, l.expect.openssl!],
      ['gnutls-cli', gnutls, l.expect.gnutls!],
    ] as const) {
      const output = result.stdout + result.stderr;
      if (expected.stalls) assert.equal(result.exit, null, `${name} should still wait, it exited ${result.exit}:\n${output}`);
      if (expected.exit !== undefined) assert.equal(result.exit, expected.exit, `${name}:\n${output}`);
      for (const text of expected.output ?? []) assert.ok(output.includes(text), `${name}: no ${JSON.stringify(text)} in:\n${output}`);
    }
    const alert = l.expect.openssl!.alert;
    if (alert !== undefined) assert.match(openssl.stdout + openssl.stderr, new RegExp(`SSL alert number ${alert}\\b`));
    if (l.expect.gnutls!.alert !== undefined)
      assert.ok(gnutls.stdout.includes(`Received alert [${l.expect.gnutls!.alert}]`), gnutls.stdout);
    const verify = l.expect.openssl!.verifyCode;
    if (verify !== undefined) assert.equal(parseOpensslVerify(openssl.stdout + openssl.stderr)?.verifyCode, verify, openssl.stdout);
  }

  for (const id of IDS.filter((id) => id !== 'cert-expires-soon')) {
    test(`${id}: every reference client sees its expectation`, async (t) => {
      for (const tool of ['curl', 'openssl', 'gnutls-cli']) if (!requireTool(t, tool)) return;
      await assertReferenceClients(fixture.listener(id), id === 'tls-handshake-stall' ? STALL_KILL_MS : undefined);
    });
  }

  test('tls-handshake-stall: curl -v shows the TCP connection and the certificate, then times out in the handshake (TLS 1.3 and 1.2)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const l = fixture.listener('tls-handshake-stall');
    for (const [extra, version, last] of [
      [[], '1.3', 'CERT verify (15)'],
      [['--tls-max', '1.2'], '1.2', 'Server finished (14)'],
    ] as const) {
      const argv = curlArgs(manifest(), l);
      argv[argv.indexOf('--max-time') + 1] = '2';
      const result = await runClient([argv[0]!, '-v', ...extra, ...argv.slice(1)]);
      assert.equal(result.exit, 28, result.stderr);
      assert.match(result.stderr, /\* Connected to /);
      assert.ok(result.stderr.includes(`TLSv${version} (IN), TLS handshake, Certificate (11)`), result.stderr);
      assert.ok(result.stderr.includes(`TLSv${version} (IN), TLS handshake, ${last}`), result.stderr);
      assert.doesNotMatch(result.stderr, /SSL connection using|TLS handshake, Finished \(20\):\n.*\(IN\)/);
      assert.match(result.stderr, /curl: \(28\) Connection timed out after/);
      assert.ok(
        faults(l.id).some((detail) => detail.startsWith(`TLS ${version} first flight sent`)),
        faults(l.id).join('\n'),
      );
    }
  });

  test('tls-handshake-stall: Node gets the certificate chain but never secureConnect', async () => {
    const l = fixture.listener('tls-handshake-stall');
    const socket = tlsConnect({
      host: clientAddress(manifest().host),
      port: l.port,
      servername: 'localhost',
      ca: readFileSync(l.connect.caFile!),
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('secureConnect', () => resolve('secureConnect'));
      socket.once('error', (error) => resolve(`error ${error.message}`));
      socket.setTimeout(1_500, () => resolve('timeout'));
    });
    socket.destroy();
    assert.equal(outcome, 'timeout');
  });

  test('tls-handshake-stall through nginx: proxy_connect_timeout fires, not proxy_read_timeout', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const work = tempDir('badorigin-nginx-');
    const port = await freePort();
    const errorLog = join(work.dir, 'error.log');
    const only = { ...manifest(), listeners: [fixture.listener('tls-handshake-stall')] };
    const config = generateConfig('nginx', only, { connectTimeoutS: 1, readTimeoutS: 60, listen: port, foreground: true, errorLog });
    const nginx = await startNginx(config, work.dir, port);
    try {
      // Within 20 s: the 1 s connect timeout, never the 60 s read timeout.
      const response = await proxyRequest(port, routePath(only.listeners[0]!), { method: 'GET', timeoutMs: 20_000 });
      assert.equal(response.status, 504, JSON.stringify(response));
      assert.match(readFileSync(errorLog, 'utf8'), /upstream timed out \(110: Connection timed out\) while SSL handshaking to upstream/);
    } finally {
      await nginx.stop();
      work.remove();
    }
  });

  test('tls-sni-required: with SNI, a normal handshake and the 200', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const l = fixture.listener('tls-sni-required');
    const withSni = { ...l, connect: { ...l.connect, sni: 'localhost' } };
    const result = await runClient(curlArgs(manifest(), withSni));
    assert.equal(result.exit, 0, result.stderr);
    assert.equal(result.stdout.trim(), '200');
  });

  test('tls-renegotiation-request: openssl s_client and gnutls-cli renegotiate and read the body', async (t) => {
    for (const tool of ['openssl', 'gnutls-cli']) if (!requireTool(t, tool)) return;
    const l = fixture.listener('tls-renegotiation-request');
    const [openssl, gnutls] = await Promise.all([
      runClient([...opensslArgs(manifest(), l), '-ign_eof'], 8_000, HTTP_GET),
      untilOutput(gnutlsArgs(manifest(), l), HTTP_GET, /you got through/, 8_000),
    ]);
    assert.match(openssl.stdout, /badorigin tls-renegotiation-request: you got through/, openssl.stdout + openssl.stderr);
    assert.match(gnutls, /Rehandshake was performed/, gnutls);
    assert.match(gnutls, /badorigin tls-renegotiation-request: you got through/);
    assert.ok(faults(l.id).includes('HelloRequest after the response head: the client renegotiated'), faults(l.id).join('\n'));
  });

  test('cert-rsa-8192: the leaf Node is served has an 8192-bit RSA key', async () => {
    const l = fixture.listener('cert-rsa-8192');
    const bits = await new Promise<number>((resolve, reject) => {
      const socket = tlsConnect({
        host: clientAddress(manifest().host),
        port: l.port,
        servername: 'localhost',
        ca: readFileSync(l.connect.caFile!),
      });
      socket.once('secureConnect', () => (resolve(socket.getPeerCertificate().bits ?? 0), socket.destroy()));
      socket.once('error', reject);
    });
    assert.equal(bits, 8192);
  });

  test('cert-expires-soon: valid, then expired for new connections, while a connection opened before keeps working', async (t) => {
    for (const tool of ['curl', 'openssl', 'gnutls-cli']) if (!requireTool(t, tool)) return;
    const id = 'cert-expires-soon';
    await fixture.farm.update(id, { certificate: { issuer: 'farm-intermediate', expiresInS: 2 } });
    const l = fixture.listener(id);
    const before = await nodeRequest(manifest(), l);
    assert.deepEqual(before, { code: null, status: 200 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(l.connect.caFile!) });
    const get = () =>
      new Promise<{ status: number | undefined; reused: boolean }>((resolve, reject) => {
        const req = httpsRequest({ host: clientAddress(manifest().host), port: l.port, servername: 'localhost', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      assert.deepEqual(await get(), { status: 200, reused: false });
      const notAfter = await new Promise<number>((resolve, reject) => {
        const socket = tlsConnect({
          host: clientAddress(manifest().host),
          port: l.port,
          servername: 'localhost',
          rejectUnauthorized: false,
        });
        socket.once('secureConnect', () => (resolve(Date.parse(socket.getPeerCertificate().valid_to)), socket.destroy()));
        socket.once('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, notAfter - Date.now()) + 1_100));
      // The keep-alive connection first (the farm closes it after 5 s idle), then new connections.
      assert.deepEqual(await get(), { status: 200, reused: true });
      await assertReferenceClients(l);
    } finally {
      agent.destroy();
    }
  });
});
