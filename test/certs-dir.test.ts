import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { runClient, type ProcessResult } from '../src/clients/run-client.js';
import { FarmError } from '../src/errors.js';
import { loadCatalogue } from '../src/catalogue.js';
import { resolveSettings, startFarm } from '../src/farm.js';
import { readManifestFile } from '../src/manifest-schema.js';
import { generateKey } from '../src/pki/keys.js';
import { Pki, type PkiOptions } from '../src/pki/index.js';
import type { PermittedNames } from '../src/pki/name-constraints.js';
import { isPrivateGroup } from '../src/pki/private-group.js';
import { issueCertificate } from '../src/pki/x509.js';
import { tempDir } from './helpers/farm.js';
import { getWithOnlyCa } from './helpers/only-ca.js';
import { CLI_ARGV, runCli, startServe } from './helpers/cli.js';

const names = { hostnames: ['localhost'], ips: ['127.0.0.1', '::1'] };
const options = (certsDir: string, extra: Partial<PkiOptions> = {}): PkiOptions => ({ certsDir, ...names, ...extra });
const VALID = { issuer: 'farm-intermediate' } as const;
/** uid/gid of `nobody`, the other user the tests run badorigin as, or give directories to. */
const NOBODY = 65534;
/** The `users` group of Debian's base-passwd (gid 100): no account's private group. */
const SHARED_GID = 100;

/** Asserts a CLI run failed with exit 2 and exactly one line on stderr matching `pattern`. */
function assertOneLineError(result: ProcessResult, pattern: RegExp): void {
  assert.equal(result.exit, 2, result.stdout + result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.match(result.stderr, pattern);
}

/** Runs `badorigin ARGS` as user nobody (the test runs as root), so that file modes apply to it. */
function runCliAsNobody(args: string[]): Promise<ProcessResult> {
  return runClient(
    ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', 'HOME=/nonexistent', ...CLI_ARGV, ...args],
    60_000,
  );
}

/** True when this test may act as another user (it runs as root); otherwise the test is skipped with a note. */
function canActAsAnotherUser(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  t.skip('needs root, to give a directory to another user');
  return false;
}

describe('certs directory', () => {
  test('a farm killed during its first generation leaves a directory the next start finishes', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    let killedMidway = false;
    for (let attempt = 0; attempt < 5 && !killedMidway; attempt++) {
      const certsDir = join(dir, `certs-${attempt}`);
      mkdirSync(certsDir, { mode: 0o700 });
      // Killed as soon as its first CA file appears, i.e. while it generates.
      const watcher = watch(certsDir);
      const child = spawn(
        CLI_ARGV[0],
        [CLI_ARGV[1], 'serve', '--base-port', '0', '--only', 'tls-ok', '--no-control', '--certs-dir', certsDir],
        { stdio: 'ignore' },
      );
      const exited = new Promise((resolve) => child.on('exit', resolve));
      watcher.on('change', (_event, name) => {
        if (/-ca\.(key|pem)$/.test(String(name))) child.kill('SIGKILL');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
      watcher.close();
      killedMidway = existsSync(join(certsDir, '.lock'));
      if (!killedMidway) continue;
      assert.ok(existsSync(join(certsDir, 'farm.json')), 'farm.json is written before anything else');
      const serve = await startServe(
        ['--base-port', '0', '--only', 'tls-ok', '--no-control', '--certs-dir', certsDir, '--manifest-out', join(dir, 'manifest.json')],
        60_000,
      );
      t.after(() => serve.child.kill('SIGKILL'));
      const manifest = readManifestFile(join(dir, 'manifest.json'));
      const port = manifest.listeners.find((l) => l.id === 'tls-ok')!.port;
      assert.equal(await getWithOnlyCa(port, readFileSync(join(certsDir, 'root-ca.pem'), 'utf8')), '200');
      assert.ok(!existsSync(join(certsDir, '.lock')), 'the lock is released once the farm is up');
    }
    assert.ok(killedMidway, 'in 5 attempts, no farm was killed while it generated');
  });

  test('a lock left by a dead process is broken; files are never written through links', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
    await Pki.open(options(dir), []);
    const { hostname } = await import('node:os');
    const { readlinkSync } = await import('node:fs');
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({
        pid: deadPid,
        host: hostname(),
        pidNamespace: readlinkSync('/proc/self/ns/pid'),
        since: new Date().toISOString(),
        nonce: 'x',
      }),
    );
    // A link planted where the root key goes: the key must replace the link, never go through it.
    const victim = join(dir, '..', `victim-${process.pid}`);
    writeFileSync(victim, 'not a key');
    t.after(() => rmSync(victim, { force: true }));
    rmSync(join(dir, 'root-ca.key'));
    symlinkSync(victim, join(dir, 'root-ca.key'));
    const started = Date.now();
    const pki = await Pki.open(options(dir), []);
    assert.ok(Date.now() - started < 20_000, 'a dead holder is not waited for');
    assert.ok(
      pki.notices.some((n) => /regenerated the farm CA hierarchy/.test(n)),
      pki.notices.join('\n'),
    );
    assert.equal(readFileSync(victim, 'utf8'), 'not a key');
    const key = lstatSync(join(dir, 'root-ca.key'));
    assert.ok(key.isFile(), 'root-ca.key is a file of its own');
    assert.equal(key.mode & 0o777, 0o600);
    assert.ok(!existsSync(join(dir, '.lock')));
  });

  test('ca never rewrites the directory; manifest, config and probe say when it does not fit their options', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const certsDir = join(dir, 'certs');
    const created = await runCli(['ca', '--certs-dir', certsDir]);
    assert.equal(created.exit, 0, created.stderr);
    const root = readFileSync(join(certsDir, 'root-ca.pem'), 'utf8');
    assert.equal(created.stdout, root, 'ca creates a missing hierarchy');

    const other = await runCli(['ca', '--certs-dir', certsDir, '--hostname', 'origin.example.test']);
    assertOneLineError(
      other,
      /does not fit these options \(root-ca\.pem is constrained to localhost, badorigin\.invalid, 127\.0\.0\.1, ::1, not origin\.example\.test.*only `badorigin serve` rewrites it/,
    );
    assert.equal(other.stdout, '');
    assert.equal(readFileSync(join(certsDir, 'root-ca.pem'), 'utf8'), root, 'root-ca.pem is left as it was');

    // probe checks certificates only once a farm answers: run one (http-ok alone) on this directory.
    const offset = loadCatalogue().find((e) => e.scenario.id === 'http-ok')!.scenario.offset;
    const probeFarm = await startFarm({ basePort: 0, certsDir, only: ['http-ok'], controlPort: null });
    t.after(() => probeFarm.close());
    const basePort = String(probeFarm.manifest.listeners[0]!.port - offset);
    for (const args of [['manifest'], ['config', '--for', 'nginx'], ['probe', '--only', 'http-ok', '--base-port', basePort]]) {
      const result = await runCli([...args, '--certs-dir', certsDir, '--hostname', 'origin.example.test']);
      assert.match(
        result.stderr,
        /^badorigin: warning: the farm CA hierarchy in .* does not fit these options \(root-ca\.pem is constrained to localhost/m,
        `${args[0]}: ${result.stderr}`,
      );
      if (args[0] !== 'probe') assert.equal(result.exit, 0, result.stderr);
    }
    const fitting = await runCli(['manifest', '--certs-dir', certsDir]);
    assert.equal(fitting.stderr, '', 'no warning when the root fits');
    assert.equal(readFileSync(join(certsDir, 'root-ca.pem'), 'utf8'), root);
  });

  test('bad --certs-dir and --hostname values: one line, exit 2, nothing written', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const command of [['serve', '--base-port', '0', '--only', 'tls-ok'], ['manifest']]) {
      assertOneLineError(await runCli([...command, '--certs-dir', file]), /--certs-dir .*a-file is not a directory/);
    }
    await assert.rejects(
      Pki.open(options(file), []),
      (error: unknown) => error instanceof FarmError && error.exitCode === 2 && /a-file is not a directory/.test(error.message),
    );
    assertOneLineError(
      await runCli(['ca', '--certs-dir', join(dir, 'certs'), '--hostname', 'localhost,bad host']),
      /--hostname "bad host" is neither a DNS name .* nor an IP address/,
    );
    for (const hostname of ['999.1.1.1', '*.example.com', 'a_b.example', 'a..b', '-a.example', `${'a'.repeat(64)}.example`, 'fe80::1%lo']) {
      assert.throws(
        () => resolveSettings({ hostname: `localhost,${hostname}`, certsDir: join(dir, 'certs') }),
        (error: unknown) =>
          error instanceof FarmError && error.exitCode === 2 && error.message.startsWith(`--hostname ${JSON.stringify(hostname)} is `),
        hostname,
      );
    }
    assert.ok(!existsSync(join(dir, 'certs')), 'nothing was created');
    assert.deepEqual(resolveSettings({ hostname: 'Origin-1.example.com,10.0.0.7,2001:db8::7,localhost' }).hostnames, [
      'origin-1.example.com',
      '10.0.0.7',
      '2001:db8::7',
      'localhost',
    ]);
  });

  test('a certs directory owned by another user, or writable by group or others, is refused and left untouched', async (t) => {
    if (!canActAsAnotherUser(t)) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    // Another user's directory with links planted where the keys go.
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign, { mode: 0o755 });
    writeFileSync(join(dir, 'target'), 'root-owned file');
    symlinkSync(join(dir, 'target'), join(foreign, 'root-ca.key'));
    writeFileSync(join(foreign, 'farm.json'), JSON.stringify({ format: 'badorigin-certs/1', hierarchies: {}, leaves: {} }));
    chownSync(foreign, NOBODY, NOBODY);
    assertOneLineError(
      await runCli(['serve', '--base-port', '0', '--only', 'tls-ok', '--certs-dir', foreign]),
      /foreign belongs to uid 65534, not to this user \(uid 0\)/,
    );
    await assert.rejects(
      Pki.open(options(foreign), [], 'create-only'),
      (error: unknown) => error instanceof FarmError && /belongs to uid 65534/.test(error.message),
    );
    assert.equal(readFileSync(join(dir, 'target'), 'utf8'), 'root-owned file');

    for (const [mode, who] of [
      [0o770, 'its group'],
      [0o707, 'others'],
      [0o1777, 'its group and others'],
    ] as const) {
      const open = join(dir, `mode-${mode.toString(8)}`);
      mkdirSync(open);
      // A group other than the user's private group (root's own group would be private: see the next test).
      chownSync(open, 0, SHARED_GID);
      chmodSync(open, mode);
      const refused = new RegExp(`is writable by ${who} \\(mode ${(mode & 0o777).toString(8)}\\)`);
      await assert.rejects(
        Pki.open(options(open), [], 'create-only'),
        (error: unknown) => error instanceof FarmError && error.exitCode === 2 && refused.test(error.message),
      );
      assert.equal(existsSync(join(open, 'farm.json')), false);
    }
    const keysOpen = join(dir, 'keys-open');
    await Pki.open(options(keysOpen), [VALID]);
    chownSync(join(keysOpen, 'keys'), 0, SHARED_GID);
    chmodSync(join(keysOpen, 'keys'), 0o777);
    await assert.rejects(
      Pki.open(options(keysOpen), [VALID]),
      (error: unknown) => error instanceof FarmError && error.exitCode === 2 && /keys is writable by its group/.test(error.message),
    );
  });

  test("group-writable is accepted where the group is the user's private group (umask 002), and only there", async (t) => {
    if (!canActAsAnotherUser(t)) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    const accounts = join(dir, 'accounts');
    mkdirSync(accounts);
    const passwd = join(accounts, 'passwd');
    const group = join(accounts, 'group');
    writeFileSync(
      passwd,
      'alice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\ncarol:x:1002:1000::/home/carol:/bin/sh\n',
    );
    writeFileSync(passwd, `${readFileSync(passwd, 'utf8')}dave:x:1003:1003::/home/dave:/bin/sh\n`);
    writeFileSync(group, 'alice:x:1000:\nbob:x:1001:bob\ndave:x:1003:dave,alice\nstaff:x:50:alice\n');
    assert.equal(isPrivateGroup(1001, 1001, passwd, group), true, "bob's group lists bob alone");
    assert.equal(isPrivateGroup(1000, 1000, passwd, group), false, "carol shares alice's primary group");
    assert.equal(isPrivateGroup(1001, 50, passwd, group), false, 'not his primary group');
    assert.equal(isPrivateGroup(1003, 1003, passwd, group), false, "alice is a member of dave's group");
    assert.equal(isPrivateGroup(1000, 1001, passwd, group), false, "alice's primary group is not bob's");
    // A checkout made under umask 002 by root, whose group is its own, starts.
    const umask002 = join(dir, 'umask-002');
    mkdirSync(umask002);
    chownSync(umask002, 0, 0);
    chmodSync(umask002, 0o775);
    await Pki.open(options(umask002), [VALID]);
    assert.equal(existsSync(join(umask002, 'farm.json')), true);
  });

  test('unreadable files and unwritable directories: one line, exit 2, never a reason to regenerate', async (t) => {
    if (!canActAsAnotherUser(t)) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    chownSync(dir, NOBODY, NOBODY);
    const certsDir = join(dir, 'certs');
    const created = await runCliAsNobody(['ca', '--certs-dir', certsDir]);
    assert.equal(created.exit, 0, created.stderr);
    const root = readFileSync(join(certsDir, 'root-ca.pem'), 'utf8');

    chmodSync(join(certsDir, 'root-ca.key'), 0);
    assertOneLineError(
      await runCliAsNobody(['serve', '--base-port', '0', '--only', 'tls-ok', '--no-control', '--certs-dir', certsDir]),
      /root-ca\.key is unreadable \(EACCES\)/,
    );
    assert.equal(readFileSync(join(certsDir, 'root-ca.pem'), 'utf8'), root, 'the CA was not regenerated');
    chmodSync(join(certsDir, 'root-ca.key'), 0o600);

    // keys/ exists but this user cannot write into it: the leaf key cannot be saved.
    mkdirSync(join(certsDir, 'keys'), { mode: 0o500 });
    chownSync(join(certsDir, 'keys'), NOBODY, NOBODY);
    assertOneLineError(
      await runCliAsNobody(['serve', '--base-port', '0', '--only', 'tls-ok', '--no-control', '--certs-dir', certsDir]),
      /cannot write .*keys\/leaf-rsa-2048\.key \(EACCES\)/,
    );
    assert.equal(readFileSync(join(certsDir, 'root-ca.pem'), 'utf8'), root);
  });

  test('root-ca.pem as a directory: one line, exit 2', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    await Pki.open(options(dir), []);
    rmSync(join(dir, 'root-ca.pem'));
    mkdirSync(join(dir, 'root-ca.pem'));
    assertOneLineError(
      await runCli(['serve', '--base-port', '0', '--only', 'tls-ok', '--no-control', '--certs-dir', dir]),
      /root-ca\.pem is unreadable \(EISDIR\)/,
    );
    assert.ok(statSync(join(dir, 'root-ca.pem')).isDirectory());
  });

  test('farm.json with null or wrong fields is rebuilt with a notice, keeping the CA files that are still valid', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    await Pki.open(options(dir), [VALID]);
    const root = readFileSync(join(dir, 'root-ca.pem'), 'utf8');
    const bad = [
      { format: 'badorigin-certs/1', hierarchies: null, leaves: null },
      { format: 'badorigin-certs/1', hierarchies: { farm: null }, leaves: {} },
      { format: 'badorigin-certs/1', hierarchies: { farm: { createdAt: 'x', permitted: null } }, leaves: {} },
      {
        format: 'badorigin-certs/1',
        hierarchies: {},
        leaves: { abc: { file: '../../etc/passwd', issuedAt: new Date().toISOString(), issuer: 'self' } },
      },
      null,
    ];
    writeFileSync(join(dir, 'farm.json'), JSON.stringify(bad[0]));
    const ca = await runCli(['ca', '--certs-dir', dir]);
    assert.equal(ca.exit, 0, ca.stderr);
    assert.equal(ca.stdout, root);
    assert.match(
      ca.stderr,
      /^badorigin: .*farm\.json was not a badorigin index \(truncated or edited\): rebuilt it from the files that are still valid\n$/,
    );
    for (const index of bad) {
      writeFileSync(join(dir, 'farm.json'), JSON.stringify(index));
      const pki = await Pki.open(options(dir), [VALID]);
      assert.deepEqual(
        pki.notices.filter((n) => !/farm\.json was not a badorigin index .*: rebuilt it/.test(n)),
        [],
        JSON.stringify(index),
      );
      assert.equal(readFileSync(join(dir, 'root-ca.pem'), 'utf8'), root, 'the CA files were kept');
    }
  });

  test('a root without the farm name constraints put in place of root-ca.pem is never used', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    await Pki.open(options(dir), [VALID]);
    const key = await generateKey('rsa-2048');
    const day = 86_400_000;
    const rootOf = (permitted?: PermittedNames) =>
      issueCertificate(
        {
          commonName: 'badorigin farm root CA',
          organization: 'badorigin',
          publicKeyPem: key.publicKeyPem,
          notBefore: new Date(Date.now() - day),
          notAfter: new Date(Date.now() + 3650 * day),
          ca: { pathLen: 2, permitted },
          digest: 'sha256',
        },
        { self: true, privateKeyPem: key.privateKeyPem },
      );
    const cases: [PermittedNames | undefined, RegExp][] = [
      [undefined, /root-ca\.pem carries no name constraints/],
      [{ dns: ['example.com'], ips: [] }, /root-ca\.pem is constrained to example\.com, not localhost/],
    ];
    for (const [permitted, problem] of cases) {
      writeFileSync(join(dir, 'root-ca.pem'), rootOf(permitted));
      writeFileSync(join(dir, 'root-ca.key'), key.privateKeyPem, { mode: 0o600 });
      const planted = readFileSync(join(dir, 'root-ca.pem'), 'utf8');
      await assert.rejects(
        Pki.open(options(dir), [], 'create-only'),
        (error: unknown) => error instanceof FarmError && error.code === 'CERTS_MISMATCH' && problem.test(error.message),
      );
      assert.match((await Pki.inspect(options(dir))) ?? '', problem);
      const pki = await Pki.open(options(dir), [VALID]);
      assert.ok(
        pki.notices.some((n) => problem.test(n) && /regenerated the farm CA hierarchy/.test(n)),
        pki.notices.join('\n'),
      );
      assert.notEqual(readFileSync(join(dir, 'root-ca.pem'), 'utf8'), planted);
      assert.equal(pki.caPem('farm-root'), readFileSync(join(dir, 'root-ca.pem'), 'utf8'));
    }
  });

  test("a cached leaf signed by another run's intermediate is issued anew", async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const other = tempDir();
    t.after(other.remove);
    const mine = await Pki.open(options(dir), [VALID]);
    const theirs = await Pki.open(options(other.dir), [VALID]);
    const leafFile = `leaves/${mine.resolve(VALID).hash}.pem`;
    // Same key, same spec, same index record: only the signature tells that another intermediate signed it.
    copyFileSync(join(other.dir, 'keys', 'leaf-rsa-2048.key'), join(dir, 'keys', 'leaf-rsa-2048.key'));
    copyFileSync(join(other.dir, leafFile), join(dir, leafFile));
    assert.ok(
      !new X509Certificate(readFileSync(join(dir, leafFile))).verify(new X509Certificate(mine.caPem('farm-intermediate')).publicKey),
    );
    const again = await Pki.open(options(dir), [VALID]);
    assert.ok(
      again.notices.some((n) => n.includes(leafFile) && /not signed by its issuer/.test(n)),
      again.notices.join('\n'),
    );
    const intermediate = new X509Certificate(again.caPem('farm-intermediate'));
    assert.ok(again.chain(VALID).leaf.verify(intermediate.publicKey));
    assert.ok(new X509Certificate(readFileSync(join(dir, leafFile))).verify(intermediate.publicKey), 'the file on disk was replaced too');
    assert.notEqual(theirs.caPem('farm-root'), again.caPem('farm-root'));
  });
});
