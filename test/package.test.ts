import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { minVersion, satisfies } from 'semver';
import { runClient } from '../src/clients/run-client.js';
import { assertManifest } from '../src/manifest-schema.js';
import { tempDir } from './helpers/farm.js';

const root = fileURLToPath(new URL('../', import.meta.url));

test('npm pack gives a package whose badorigin works from any directory, with certs in a user directory', async (t) => {
  const work = tempDir('badorigin-pack-');
  t.after(work.remove);
  const pack = await runClient(['npm', 'pack', '--silent', '--pack-destination', work.dir, root], 180_000);
  assert.equal(pack.exit, 0, pack.stderr);
  const tarball = readdirSync(work.dir).find((name) => name.endsWith('.tgz'))!;
  const project = join(work.dir, 'project');
  await runClient(['mkdir', '-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-badorigin', private: true }));
  const install = await runClient(
    ['npm', 'install', '--prefix', project, '--no-audit', '--no-fund', '--silent', join(work.dir, tarball)],
    300_000,
  );
  assert.equal(install.exit, 0, install.stderr);

  const bin = join(project, 'node_modules', '.bin', 'badorigin');
  const env = { XDG_DATA_HOME: join(work.dir, 'data') };
  const run = (args: string[]) => runClient(['env', '--chdir', work.dir, `XDG_DATA_HOME=${env.XDG_DATA_HOME}`, bin, ...args], 60_000);
  const manifest = await run(['manifest', '--format', 'json']);
  assert.equal(manifest.exit, 0, manifest.stderr);
  const parsed: unknown = JSON.parse(manifest.stdout);
  assertManifest(parsed);
  assert.equal(parsed.trust.rootCaFile, join(env.XDG_DATA_HOME, 'badorigin', 'certs', 'root-ca.pem'));
  const ca = await run(['ca']);
  assert.equal(ca.exit, 0, ca.stderr);
  assert.equal(ca.stdout, readFileSync(parsed.trust.rootCaFile, 'utf8'));
  assert.ok(!existsSync(join(work.dir, 'certs')), 'nothing is written to the working directory');

  // The exports map: `badorigin` and its package.json resolve for an installed user, deeper paths do not.
  const probeImports = [
    "const lib = await import('badorigin');",
    "const pkg = (await import('badorigin/package.json', { with: { type: 'json' } })).default;",
    "const deep = await import('badorigin/dist/farm.js').then(() => 'imported', (error) => error.code);",
    "const client = Object.keys(await import('badorigin/client')).sort();",
    'console.log(JSON.stringify({ exports: Object.keys(lib).sort(), name: pkg.name, deep, client }));',
  ].join('\n');
  const imported = await runClient(['env', '--chdir', project, process.execPath, '--input-type=module', '-e', probeImports], 60_000);
  assert.equal(imported.exit, 0, imported.stderr);
  const library = JSON.parse(imported.stdout) as { exports: string[]; name: string; deep: string; client: string[] };
  assert.equal(library.name, 'badorigin');
  assert.deepEqual(library.client, ['BadoriginClient', 'ControlApiError'], 'badorigin/client');
  assert.equal(library.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  for (const name of ['startFarm', 'plannedManifest', 'resolveSettings', 'assertManifest', 'probe', 'generateConfig', 'FarmError']) {
    assert.ok(library.exports.includes(name), `badorigin exports ${name}`);
  }
  // A strict TypeScript user importing `badorigin` (resolved through the exports map) gets its declarations, else TS7016.
  writeFileSync(
    join(project, 'uses.ts'),
    [
      "import { startFarm, type Manifest } from 'badorigin';",
      "import { BadoriginClient, type Attempt } from 'badorigin/client';",
      'export const start: typeof startFarm = startFarm;',
      "export type M = Manifest['listeners'];",
      "export const attempts: Promise<Attempt[]> = new BadoriginClient('http://127.0.0.1:9399').attempts('http-ok');",
      '',
    ].join('\n'),
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, module: 'nodenext', moduleResolution: 'nodenext', types: [] },
      files: ['uses.ts'],
    }),
  );
  const typed = await runClient([process.execPath, tsc, '-p', project], 120_000);
  assert.equal(typed.exit, 0, typed.stdout + typed.stderr);
});

test('every locked package runs on the oldest Node the package.json engines allow (npm ci prints no EBADENGINE)', () => {
  type Entry = { engines?: { node?: string } | string[] };
  const nodeRange = (entry: Entry | undefined) => (entry?.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, Entry> };
  const oldest = minVersion(pkg.engines.node);
  assert.ok(oldest, `engines.node ${pkg.engines.node} is not a version range`);
  assert.equal(nodeRange(lock.packages['']), pkg.engines.node, 'package-lock.json is out of date');
  assert.ok(Object.keys(lock.packages).length > 100, 'the lockfile lists the installed tree');
  const refused = Object.entries(lock.packages)
    .filter(([, entry]) => nodeRange(entry) !== undefined && !satisfies(oldest, nodeRange(entry)!))
    .map(([path, entry]) => `${path} wants node ${nodeRange(entry)}`);
  assert.deepEqual(refused, [], `Node ${oldest.version} (engines.node ${pkg.engines.node}) is refused by`);
});
