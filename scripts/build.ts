// npm run build: compiles src/ into dist/ for the package. tsc checks the types and writes the declarations
// (dist/**/*.d.ts); esbuild bundles the JavaScript: dist/index.js and dist/cli.js, with the modules they share in
// chunks beside them and each `await import()` kept as a chunk of its own, so a command loads only what it uses.
// Node loads one ES module file at a time: a start from ~900 small files (TypeBox alone ships ~700) spends most of
// its time in the module loader, and from a few bundles it does not. Packages stay outside the bundle (installed
// with the package), except TypeBox (for its file count). The JSON Schema checks are compiled here into Ajv
// standalone code (dist/schema-checks.cjs, which calls Ajv's runtime helpers from node_modules), loaded at their
// first use: the built-in scenarios are checked here too, so a start from them never loads it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type Plugin } from 'esbuild';
import { DEFAULT_SCENARIOS_DIR, checkScenario, parseScenarioText } from '../src/catalogue.js';
import { PARSED_SCENARIOS_FILE, scenarioTextKey } from '../src/parsed-scenarios.js';
import { AJV_OPTIONS, checkedSchemas, paramsKey } from '../src/schema-checks.js';
import { MECHANISMS } from '../src/listeners/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist`;

/** Packages bundled into dist/ rather than loaded from node_modules at run time. */
const BUNDLED = new Set(['typebox']);

/** File beside the bundle holding the checks compiled ahead (CommonJS, so that it loads synchronously at first use). */
const CHECKS_FILE = 'schema-checks.cjs';

/**
 * The Ajv standalone code of every check (`check0`, `check1`… in the order of `checkedSchemas()`), and the source of
 * the module that stands in for src/schema-checks.ts: the same `schemaChecks()`, which loads that code at its first
 * call. A start whose scenarios were all checked here (see `parsedScenarios`) never loads it.
 */
function precompiledChecks(): { code: string; module: string } {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const schemas = checkedSchemas();
  for (const [key, schema] of schemas) ajv.addSchema(schema, key);
  const exportName = new Map(schemas.map(([key], i) => [key, `check${i}`]));
  const code = standalone.default(ajv, Object.fromEntries(schemas.map(([key]) => [exportName.get(key)!, key])));
  const params = [...MECHANISMS.keys()].map((name) => `[${JSON.stringify(name)}, c.${exportName.get(paramsKey(name))}]`);
  const module = [
    "import { createRequire } from 'node:module';",
    'let checks;',
    'export function schemaChecks() {',
    `  if (checks) return checks;`,
    `  const c = createRequire(import.meta.url)('./${CHECKS_FILE}');`,
    `  checks = { scenario: c.${exportName.get('scenario')}, manifest: c.${exportName.get('manifest')}, behaviour: c.${exportName.get('behaviour')}, params: new Map([${params.join(', ')}]) };`,
    '  return checks;',
    '}',
  ].join('\n');
  return { code, module };
}

const checks = precompiledChecks();

/** Replaces src/schema-checks.ts in the bundle by its precompiled twin. */
const precompiledSchemaChecks: Plugin = {
  name: 'precompiled-schema-checks',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]src[\\/]schema-checks\.ts$/ }, () => ({
      contents: checks.module,
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * The built-in scenario files parsed and checked (src/parsed-scenarios.ts), by the hash of their text; a file whose
 * document JSON cannot carry unchanged (a YAML timestamp, say) is left to be parsed and checked at start.
 * @throws FarmError BAD_SCENARIO for a built-in scenario that does not pass its checks: the build fails.
 */
function parsedScenarios(): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const name of readdirSync(DEFAULT_SCENARIOS_DIR).filter((file) => /\.(ya?ml|json)$/.test(file))) {
    const text = readFileSync(`${DEFAULT_SCENARIOS_DIR}/${name}`, 'utf8');
    const document = parseScenarioText(text, name);
    checkScenario(document, name);
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
writeFileSync(`${dist}/${CHECKS_FILE}`, checks.code);
