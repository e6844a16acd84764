import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runClient } from '../src/clients/run-client.js';
import { startFarm, type Farm } from '../src/farm.js';
import { certsDir, tempDir } from './helpers/farm.js';
import { freePort, waitForPort } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

// Debian keeps varnishd in /usr/sbin, which a non-root PATH lacks.
process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const IDS = ['illegal-vary', 'illegal-vary-long-name', 'slow-first-byte', 'stall-mid-body', 'request-body-reset'];

/**
 * VCL for the farm's plain listeners: one backend per listener, chosen by path prefix `/<id>/`; short timeouts
 * (first byte 1 s, between bytes 1 s). illegal-vary is looked up (Varnish only parses Vary on a cacheable fetch),
 * everything else passed. A POST body is cached before the fetch (std.cache_req_body).
 */
function vcl(ports: Map<string, number>): string {
  const name = (id: string) => id.replaceAll('-', '_');
  const lines = ['vcl 4.1;', 'import std;', ''];
  for (const [id, port] of ports) {
    lines.push(
      `backend ${name(id)} { .host = "127.0.0.1"; .port = "${port}"; .connect_timeout = 2s; .first_byte_timeout = 1s; .between_bytes_timeout = 1s; }`,
    );
  }
  lines.push('', 'sub vcl_recv {');
  // Read a request body whole before the fetch, so the client has finished sending when the 503 comes back;
  // streamed, a client still uploading can be reset by Varnish before it reads the answer (curl exit 55).
  lines.push('  if (req.method == "POST") { std.cache_req_body(128MB); }');
  for (const id of ports.keys()) {
    lines.push(
      `  if (req.url ~ "^/${id}/") { set req.backend_hint = ${name(id)}; return (${id.startsWith('illegal-vary') ? 'hash' : 'pass'}); }`,
    );
  }
  lines.push('  return (synth(404));', '}', '');
  return lines.join('\n');
}

describe('a real varnishd (Varnish 7.1) in front of the HTTP fault listeners', () => {
  let farm: Farm;
  let varnish: ChildProcess | undefined;
  let port = 0;
  let output = '';
  const certs = certsDir();
  const work = tempDir('badorigin-varnish-');
  const workdir = join(work.dir, 'varnish');

  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: IDS, controlPort: null });
  });
  after(async () => {
    if (varnish?.pid !== undefined && varnish.exitCode === null) {
      const exited = new Promise((resolve) => varnish!.once('exit', resolve));
      // varnishd runs in its own process group (detached): end the manager and its child together.
      process.kill(-varnish.pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-varnish!.pid!, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await farm?.close();
    work.remove();
    certs.remove();
  });

  let started: Promise<void> | undefined;
  /** Starts varnishd once, for the first test that needs it. */
  const startVarnish = () => (started ??= launchVarnish());

  async function launchVarnish(): Promise<void> {
    const ports = new Map(IDS.map((id) => [id, farm.manifest.listeners.find((l) => l.id === id)!.port]));
    const file = join(work.dir, 'farm.vcl');
    writeFileSync(file, vcl(ports));
    // varnishd (as root) compiles the VCL as its unprivileged user: mkdtemp's 0700 would keep it out.
    chmodSync(work.dir, 0o755);
    chmodSync(file, 0o644);
    port = await freePort();
    varnish = spawn('varnishd', ['-F', '-a', `127.0.0.1:${port}`, '-n', workdir, '-f', file, '-T', 'none', '-s', 'malloc,32m'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    varnish.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    varnish.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    let exit: string | null = null;
    varnish.on('exit', (code) => (exit = `varnishd exited ${code}:\n${output}`));
    await waitForPort(port, 20_000, () => exit);
  }

  /** curl through Varnish: status, body bytes, exit code. */
  async function viaVarnish(path: string, extra: string[] = []) {
    const r = await runClient(
      [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{size_download}',
        '--max-time',
        '8',
        ...extra,
        `http://127.0.0.1:${port}${path}`,
      ],
      12_000,
    );
    const [status, size] = r.stdout.trim().split(' ').map(Number);
    return { exit: r.exit, status: status!, size: size!, stderr: r.stderr };
  }

  /** The varnishlog transaction group (request + backend request) of `url`. */
  async function logOf(url: string): Promise<string> {
    const r = await runClient(
      [
        'varnishlog',
        '-n',
        workdir,
        '-d',
        '-g',
        'request',
        '-q',
        `ReqURL eq "${url}"`,
        '-i',
        'ReqURL,RespStatus,FetchError,Error,BerespStatus',
      ],
      10_000,
    );
    assert.equal(r.exit, 0, r.stderr);
    return r.stdout;
  }

  test('illegal-vary: Varnish 7 answers 200, logs "Illegal \'Vary\' header from backend, making this a pass." (both variants)', async (t) => {
    for (const tool of ['varnishd', 'varnishlog', 'curl']) if (!requireTool(t, tool)) return;
    await startVarnish();
    const noComma = await viaVarnish('/illegal-vary/');
    assert.equal(noComma.status, 200);
    const long = await viaVarnish('/illegal-vary-long-name/');
    assert.equal(long.status, 200);
    const log1 = await logOf('/illegal-vary/');
    assert.match(log1, /Error\s+Malformed Vary header/);
    assert.match(log1, /Error\s+Illegal 'Vary' header from backend, making this a pass\./);
    const log2 = await logOf('/illegal-vary-long-name/');
    assert.match(log2, /Error\s+Vary header name length exceeded/);
    assert.match(log2, /Error\s+Illegal 'Vary' header from backend, making this a pass\./);
  });

  test('slow-first-byte: 503 and FetchError "first byte timeout" with .first_byte_timeout = 1s', async (t) => {
    for (const tool of ['varnishd', 'varnishlog', 'curl']) if (!requireTool(t, tool)) return;
    await startVarnish();
    const r = await viaVarnish('/slow-first-byte/?delay_ms=3000');
    assert.equal(r.status, 503);
    assert.match(await logOf('/slow-first-byte/?delay_ms=3000'), /FetchError\s+first byte timeout/);
  });

  test('stall-mid-body: the between-bytes read times out (FetchError "Resource temporarily unavailable"); the client gets a short body', async (t) => {
    for (const tool of ['varnishd', 'varnishlog', 'curl']) if (!requireTool(t, tool)) return;
    await startVarnish();
    const r = await viaVarnish('/stall-mid-body/?content_length=10000&sent_bytes=100');
    assert.equal(r.status, 200, 'the head was already on its way');
    assert.equal(r.exit, 18, r.stderr);
    const log = await logOf('/stall-mid-body/?content_length=10000&sent_bytes=100');
    assert.match(log, /FetchError\s+Resource temporarily unavailable/);
    assert.match(log, /FetchError\s+straight insufficient bytes/);
  });

  test('request-body-reset: a 64 MiB POST gets 503 and FetchError "backend write error: 104 (Connection reset by peer)"', async (t) => {
    for (const tool of ['varnishd', 'varnishlog', 'curl']) if (!requireTool(t, tool)) return;
    await startVarnish();
    const file = join(work.dir, 'body.bin');
    // Far more than loopback socket buffers absorb: Varnish must still be writing when the RST arrives (with a few
    // MB it sometimes finished writing first and logged "HTC eof (-1)" instead).
    writeFileSync(file, Buffer.alloc(64 * 1024 * 1024, 0x62));
    const r = await viaVarnish('/request-body-reset/', ['--data-binary', `@${file}`, '-H', 'Expect:']);
    assert.equal(r.status, 503, `curl exit ${r.exit}: ${r.stderr}`);
    assert.match(await logOf('/request-body-reset/'), /FetchError\s+backend write error: 104 \(Connection reset by peer\)/);
  });
});
