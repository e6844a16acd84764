import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { curlArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { DEFAULT_SCENARIOS_DIR } from '../src/catalogue.js';
import { assertManifest, readManifestFile } from '../src/manifest-schema.js';
import { seedCertsDir, tempDir } from './helpers/farm.js';
import { runCli, startFarmProcess, startServe } from './helpers/cli.js';
import { requireTool } from './helpers/tools.js';
import { WEAK_DH_NOTICE } from '../src/weak-dh-warning.js';

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

/**
 * A base port below Linux's ephemeral range (32768+) whose first `count` ports are free now, so a probe of listeners
 * at offsets below `count` finds nothing there. Bounded retries.
 */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 21000 + Math.floor(Math.random() * 8000);
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await portIsFree(port);
    if (free) return base;
  }
  throw new Error(`found no ${count} free adjacent ports in 20 tries`);
}

/** True when nothing listens on the port (binding it succeeds). */
async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Parent pid and state letter of each live process, from /proc/<pid>/stat (the fields after the command name). */
function processTable(): Map<number, { ppid: number; state: string }> {
  const table = new Map<number, { ppid: number; state: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(ppid), state: state! });
    } catch {
      /* exited meanwhile */
    }
  }
  return table;
}

/** `pid` and every process below it. */
function processTree(pid: number): number[] {
  const table = processTable();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, { ppid }] of table) if (ppid === tree[i]) tree.push(child);
  return tree;
}

/** Those of `pids` that still run (exited ones and zombies do not). */
function stillRunning(pids: number[]): number[] {
  const table = processTable();
  return pids.filter((pid) => table.has(pid) && table.get(pid)!.state !== 'Z');
}

/** Resolves true when a TCP connection to 127.0.0.1:`port` is refused, false when it connects or fails otherwise. */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (refused: boolean) => {
      socket.destroy();
      resolve(refused);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(false));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}

/**
 * Starts the README's `npm start` (with ephemeral ports), sends `signal` to the pid of npm itself, as `kill $!` does,
 * and returns what is left 2 s later at the latest: ports of the manifest and the control API that still accept
 * connections, and processes of the tree npm started that still run.
 */
async function npmStartThenKill(
  t: TestContext,
  signal: NodeJS.Signals,
): Promise<{ listening: number[]; running: number[]; ports: number; output: string }> {
  const { dir, remove } = tempDir();
  seedCertsDir(join(dir, 'certs'));
  t.after(remove);
  const manifestFile = join(dir, 'manifest.json');
  // Generous: when a source file is newer than dist/, npm start compiles first.
  const npm = await startFarmProcess(
    ['npm', 'start', '--', '--base-port', '0', '--certs-dir', join(dir, 'certs'), '--manifest-out', manifestFile],
    180_000,
  );
  const tree = processTree(npm.child.pid!);
  t.after(() => {
    for (const pid of stillRunning(tree)) process.kill(pid, 'SIGKILL');
  });
  assert.ok(tree.length >= 2, `npm start runs the farm as a child process (${tree.join(', ')})`);
  const controlPort = Number(/dashboard and control API: http:\/\/127\.0\.0\.1:(\d+)\//.exec(npm.output())?.[1]);
  assert.ok(controlPort > 0, npm.output());
  const ports = [...new Set([...readManifestFile(manifestFile).listeners.map((l) => l.port), controlPort])];
  assert.ok(ports.length > 50, `the farm holds every listener port (${ports.length})`);
  assert.ok((await Promise.all(ports.map(refuses))).includes(false), 'the farm is listening before the kill');

  process.kill(npm.child.pid!, signal);
  const deadline = Date.now() + 2000;
  let listening: number[] = [];
  let running: number[] = [];
  do {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await Promise.all(ports.map(refuses));
    listening = ports.filter((_port, i) => !refused[i]);
    running = stillRunning(tree);
  } while ((listening.length > 0 || running.length > 0) && Date.now() < deadline);
  return { listening, running, ports: ports.length, output: npm.output() };
}

describe('npm start (the README command) stops with npm', () => {
  test('kill -TERM <pid of npm start> frees every listener port and leaves no process within 2 s', async (t) => {
    const { listening, running, output } = await npmStartThenKill(t, 'SIGTERM');
    assert.deepEqual(listening, [], 'ports still accepting connections 2 s after SIGTERM');
    assert.deepEqual(running, [], 'processes of npm start still running 2 s after SIGTERM');
    assert.match(output, /SIGTERM: closing every listener/);
  });

  test('kill -KILL <pid of npm start>: the farm sees npm gone and frees every port within 2 s', async (t) => {
    const { listening, running } = await npmStartThenKill(t, 'SIGKILL');
    assert.deepEqual(listening, [], 'ports still accepting connections 2 s after npm was killed');
    assert.deepEqual(running, [], 'processes of npm start still running 2 s after npm was killed');
  });
});

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

  test('an unknown id lists the valid scenario ids and listener ids, exit 2', async () => {
    const result = await runCli(['manifest', '--only', 'cert-expird']);
    assert.equal(result.exit, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(
      result.stderr,
      /unknown scenario or listener id cert-expird; scenario ids \(each means all its listeners\): .*tls-ok.*cert-expired.*; listener ids of TLS variants: .*slow-first-byte-tls/,
    );
  });

  test('--only and --skip take listener ids (the TLS variant alone) and scenario ids (all its listeners)', async () => {
    const ids = async (...args: string[]) => {
      const result = await runCli(['manifest', '--format', 'json', ...args]);
      assert.equal(result.exit, 0, result.stderr);
      return (JSON.parse(result.stdout) as { listeners: { id: string }[] }).listeners.map((l) => l.id);
    };
    const [variant, both, mixed, all, withoutVariant] = await Promise.all([
      ids('--only', 'slow-first-byte-tls'),
      ids('--only', 'slow-first-byte'),
      ids('--only', 'slow-first-byte,tls-ok', '--skip', 'slow-first-byte-tls'),
      ids(),
      ids('--skip', 'slow-first-byte-tls'),
    ]);
    assert.deepEqual(variant, ['slow-first-byte-tls']);
    assert.deepEqual(both, ['slow-first-byte', 'slow-first-byte-tls']);
    assert.deepEqual(mixed, ['tls-ok', 'slow-first-byte']);
    assert.ok(all.includes('slow-first-byte-tls'));
    assert.deepEqual(
      withoutVariant,
      all.filter((id) => id !== 'slow-first-byte-tls'),
    );
  });

  test('a bad config file and a bad scenario file give one clear line, exit 2', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    writeFileSync(join(dir, 'bad.json'), '{ "base-port": ');
    const config = await runCli(['manifest', '--config', join(dir, 'bad.json')]);
    assert.equal(config.exit, 2);
    assert.match(config.stderr, /^badorigin: --config .*bad\.json: not valid JSON: .*\n$/);

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

  test('--config file errors name the file and the key, one line, exit 2; the command line still wins over the file', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const cases: [string, string | null, RegExp][] = [
      ['missing.json', null, /^badorigin: --config \S*missing\.json: no such file\n$/],
      [
        'unknown.json',
        '{ "bogus": 1 }',
        /^badorigin: --config \S*unknown\.json: unknown key "bogus" \(known: host, hostname, base-port, only, skip, .*\)\n$/,
      ],
      ['nan.json', '{ "base-port": "abc" }', /^badorigin: --config \S*nan\.json: "base-port": "abc" is not a number\n$/],
      ['range.json', '{ "base-port": 70000 }', /^badorigin: --config \S*range\.json: "base-port": 70000 is not a port number\n$/],
      [
        'choice.json',
        '{ "format": "yaml" }',
        /^badorigin: --config \S*choice\.json: "format": "yaml" is not one of "json", "markdown", "table"\n$/,
      ],
      ['list.json', '[1]', /^badorigin: --config \S*list\.json: not a JSON object of options\n$/],
    ];
    for (const [name, content] of cases) if (content !== null) writeFileSync(join(dir, name), content);
    const results = await Promise.all(cases.map(([name]) => runCli(['manifest', '--config', join(dir, name)])));
    for (const [i, [name, , expected]] of cases.entries()) {
      assert.deepEqual([results[i]!.exit, results[i]!.stdout], [2, ''], name);
      assert.match(results[i]!.stderr, expected);
    }
    // A bad value given on the command line is the command line's, not the file's.
    writeFileSync(join(dir, 'good.json'), '{ "base-port": 20000, "only": "tls-ok" }');
    const flag = await runCli(['manifest', '--config', join(dir, 'good.json'), '--base-port', '70000']);
    assert.equal(flag.exit, 2);
    assert.equal(flag.stderr, 'badorigin: --base-port 70000 is not a port number\n');
    const good = await runCli(['manifest', '--config', join(dir, 'good.json')]);
    assert.equal(good.exit, 0, good.stderr);
    assert.deepEqual(
      (JSON.parse(good.stdout) as { listeners: { id: string; port: number }[] }).listeners.map((l) => [l.id, l.port]),
      [['tls-ok', 20001]],
    );
  });

  test('probe where no farm listens says so in one line naming the ports and the options to match, exit 2', async () => {
    const base = await freeRange(3);
    const result = await runCli(['probe', '--base-port', String(base), '--only', 'tls-ok,cert-expired']);
    assert.deepEqual([result.exit, result.stdout], [2, ''], result.stderr);
    assert.equal(
      result.stderr,
      `badorigin: no farm found at 127.0.0.1 ports ${base + 1}-${base + 2}: start one, or give probe the same --base-port, --host, --hostname, --dns-port, --only and --skip the farm was started with\n`,
    );
  });

  test('manifest --format json is valid against the schema, with ports = base port + offset', async () => {
    const result = await runCli(['manifest', '--format', 'json', '--base-port', '20000']);
    assert.equal(result.exit, 0, result.stderr);
    const manifest: unknown = JSON.parse(result.stdout);
    assertManifest(manifest);
    assert.equal(manifest.listeners.find((l) => l.id === 'cert-expired')?.port, 20002);
    assert.equal(manifest.listeners.find((l) => l.id === 'tls-ok')?.port, 20001);
    const markdown = await runCli(['manifest', '--format', 'markdown']);
    const expired = markdown.stdout.split('\n').find((line) => line.startsWith('| 9402 | cert-expired |'));
    assert.ok(expired, markdown.stdout);
    assert.match(
      expired,
      /^\| 9402 \| cert-expired \| ssl_check_cert true \(default\): 503 "certificate has expired" \(\[fastly-generated-errors\]\(https:\/\/www\.fastly\.com\/[^ ]+ 'fastly-generated-errors § Errors in VCL'\)\); false: 200 .* \| 502 \(Error from cloudfront\) .* \| ssl-mode strict \(default\): 526 "Error 526: invalid SSL certificate" .*; full: 200 .* \| – \| – \| – \| CERT_HAS_EXPIRED \| 60 \|$/,
    );
  });

  test('serve runs until SIGTERM, answers real clients, probe passes, and a changed expectation makes probe fail', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { dir, remove } = tempDir();
    seedCertsDir(join(dir, 'certs'));
    t.after(remove);
    const manifestFile = join(dir, 'manifest.json');
    const serve = await startServe(['--base-port', '0', '--certs-dir', join(dir, 'certs'), '--manifest-out', manifestFile]);
    t.after(() => serve.child.kill('SIGKILL'));
    assert.match(serve.output(), /trust this root CA: .*root-ca\.pem/);
    // dh-weak's 1024-bit group: one line of the farm's own instead of Node's SecurityWarning.
    assert.equal(serve.output().split(`badorigin: ${WEAK_DH_NOTICE}\n`).length, 2, serve.output());
    assert.doesNotMatch(serve.output(), /SecurityWarning|DH parameter is less than/);
    const manifest = readManifestFile(manifestFile);

    const expired = manifest.listeners.find((l) => l.id === 'cert-expired')!;
    const curl = await runClient(curlArgs(manifest, expired));
    assert.equal(curl.exit, 60);
    assert.match(curl.stderr, /certificate has expired/);

    const ca = await runCli(['ca', '--certs-dir', join(dir, 'certs')]);
    assert.equal(ca.stdout, readFileSync(manifest.trust.rootCaFile, 'utf8'));

    // Every listener, four at a time, several of them waiting out the client's 5 s timeout: about 30 s.
    const probe = await runCli(['probe', '--manifest', manifestFile], 90_000);
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
    const held = connect(expired.port, '127.0.0.1');
    held.on('error', () => undefined);
    await new Promise((resolve) => held.once('connect', resolve));
    const heldClosed = new Promise<void>((resolve) => held.once('close', () => resolve()));
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0);
    await heldClosed;
    assert.ok(await portIsFree(expired.port), 'the port is released after SIGTERM');

    const gone = await runCli(['probe', '--manifest', manifestFile]);
    assert.equal(gone.exit, 2, gone.stdout + gone.stderr);
    assert.match(
      gone.stderr,
      /^badorigin: no farm found at 127\.0\.0\.1 ports \d+-\d+ \(from --manifest .*manifest\.json\): start the farm that wrote it\n$/,
    );
  });

  test("Node's weak-DH SecurityWarning becomes one line of the farm's own; other warnings still reach Node's handler", async () => {
    const script = [
      `import { replaceWeakDhWarning } from ${JSON.stringify(new URL('../src/weak-dh-warning.ts', import.meta.url).href)};`,
      'replaceWeakDhWarning((notice) => process.stderr.write(`badorigin: ${notice}\\n`));',
      "process.emitWarning('DH parameter is less than 2048 bits', 'SecurityWarning');",
      "process.emitWarning('DH parameter is less than 2048 bits', 'SecurityWarning');",
      "process.emitWarning('something else', 'SecurityWarning');",
    ].join('\n');
    const result = await runClient([process.execPath, '--import', 'tsx', '--input-type=module', '--eval', script], 30_000);
    assert.equal(result.exit, 0, result.stderr);
    const lines = result.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('(Use `node --trace-warnings'));
    assert.equal(lines.length, 2, result.stderr);
    assert.equal(lines[0], `badorigin: ${WEAK_DH_NOTICE}`);
    assert.match(lines[1]!, /^\(node:\d+\) SecurityWarning: something else$/);
  });

  test('serve closes on SIGHUP as on SIGTERM: exit 0, port released', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const manifestFile = join(dir, 'manifest.json');
    const serve = await startServe([
      '--base-port',
      '0',
      '--only',
      'http-ok',
      '--no-control',
      '--certs-dir',
      join(dir, 'certs'),
      '--manifest-out',
      manifestFile,
    ]);
    t.after(() => serve.child.kill('SIGKILL'));
    const port = readManifestFile(manifestFile).listeners[0]!.port;
    assert.equal(await refuses(port), false, 'listening before SIGHUP');
    serve.child.kill('SIGHUP');
    assert.equal(await serve.exited, 0);
    assert.match(serve.output(), /SIGHUP: closing every listener/);
    assert.ok(await refuses(port), 'the port is released after SIGHUP');
  });

  test('serve whose output reader has gone (serve 2>&1 | head) keeps serving, logging nothing, and still stops on SIGTERM', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    const manifestFile = join(dir, 'manifest.json');
    // The default log level writes every event to standard output; with both pipes closed each write fails (EPIPE).
    const serve = await startServe([
      '--base-port',
      '0',
      '--only',
      'http-ok',
      '--no-control',
      '--certs-dir',
      join(dir, 'certs'),
      '--manifest-out',
      manifestFile,
    ]);
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
