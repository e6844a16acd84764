// npm run build: compiles src/ into dist/ for the package. tsc checks the types and writes the declarations
// (dist/**/*.d.ts); esbuild bundles the JavaScript: dist/index.js and dist/cli.js, with the modules they share in
// chunks beside them and each `await import()` kept as a chunk of its own, so a command loads only what it uses.
// Node loads one ES module file at a time: a start from ~900 small files (TypeBox alone ships ~700) spends most of
// its time in the module loader, and from a few bundles it does not. Packages stay outside the bundle (installed
// with the package), except TypeBox (for its file count) and Ajv's few runtime helpers, which the JSON Schema
// checks compiled here (src/schema-checks.ts, replaced by their Ajv standalone code) call.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type Plugin } from 'esbuild';
import { DEFAULT_SCENARIOS_DIR, parseScenarioText } from '../src/catalogue.js';
import { PARSED_SCENARIOS_FILE, scenarioTextKey } from '../src/parsed-scenarios.js';
import { AJV_OPTIONS, checkedSchemas, paramsKey } from '../src/schema-checks.js';
import { MECHANISMS } from '../src/listeners/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist`;

/** Packages bundled into dist/ rather than loaded from node_modules at run time. */
const BUNDLED = new Set(['typebox', 'ajv']);

/** The source of a module that stands in for src/schema-checks.ts: the same `schemaChecks()`, compiled ahead. */
function precompiledChecks(): string {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  const schemas = checkedSchemas();
  for (const [key, schema] of schemas) ajv.addSchema(schema, key);
  // Standalone code exports each check under an identifier: `check0`, `check1`… in the order of `schemas`.
  const exportName = new Map(schemas.map(([key], i) => [key, `check${i}`]));
  const code = standalone.default(ajv, Object.fromEntries(schemas.map(([key]) => [exportName.get(key)!, key])));
  const params = [...MECHANISMS.keys()].map((name) => `[${JSON.stringify(name)}, ${exportName.get(paramsKey(name))}]`);
  return [
    code,
    `const checks = { scenario: ${exportName.get('scenario')}, manifest: ${exportName.get('manifest')}, behaviour: ${exportName.get('behaviour')}, params: new Map([${params.join(', ')}]) };`,
    'export function schemaChecks() { return checks; }',
  ].join('\n');
}

/** Replaces src/schema-checks.ts in the bundle by its precompiled twin. */
const precompiledSchemaChecks: Plugin = {
  name: 'precompiled-schema-checks',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]src[\\/]schema-checks\.ts$/ }, () => ({
      contents: precompiledChecks(),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * The built-in scenario files parsed (src/parsed-scenarios.ts), by the hash of their text; a file whose document
 * JSON cannot carry unchanged (a YAML timestamp, say) is left to be parsed at start.
 */
function parsedScenarios(): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const name of readdirSync(DEFAULT_SCENARIOS_DIR).filter((file) => /\.(ya?ml|json)$/.test(file))) {
    const text = readFileSync(`${DEFAULT_SCENARIOS_DIR}/${name}`, 'utf8');
    const document = parseScenarioText(text, name);
    const json = JSON.stringify(document);
    if (isDeepStrictEqual(JSON.parse(json), document)) parsed[scenarioTextKey(text)] = json;
  }
  return parsed;
}

const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };
const external = Object.keys(pkg.dependencies)
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

// Emptied, not removed: scripts/build-if-stale.sh holds its lock on the directory itself.
mkdirSync(dist, { recursive: true });
for (const entry of readdirSync(dist)) rmSync(`${dist}/${entry}`, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
await build({
  // One per package entry: the library, the CLI and the control API's client (package.json "exports", "bin").
  entryPoints: [
    { in: `${root}src/index.ts`, out: 'index' },
    { in: `${root}src/cli.ts`, out: 'cli' },
    { in: `${root}src/client/index.ts`, out: 'client/index' },
  ],
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  plugins: [precompiledSchemaChecks],
  logLevel: 'warning',
});
writeFileSync(`${dist}/${PARSED_SCENARIOS_FILE}`, JSON.stringify(parsedScenarios()));
