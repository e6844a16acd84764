// What the benchmarks run in their measured processes: plain JavaScript under plain `node`, never the tsx loader
// (which adds about 35-40 MiB of RSS and a module-compiling thread to every process it runs, and would skew the
// memory figures). The farm runs as it is packaged (`npm run build` → dist/, started by bin/badorigin.js); a peer
// server script (bench/plain-*.ts, node built-ins only) is transpiled by TypeScript into a temporary .mjs file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { runClient } from '../src/clients/run-client.js';

const root = fileURLToPath(new URL('../', import.meta.url));
let built: Promise<string> | undefined;

/**
 * Builds dist/ (scripts/build.ts, as `npm run build` does) once per bench run, and resolves with the path of
 * bin/badorigin.js. @throws Error (rejects) when the build fails.
 */
export function packagedCli(): Promise<string> {
  built ??= runClient([process.execPath, '--import', 'tsx', join(root, 'scripts/build.ts')], 600_000).then((result) => {
    if (result.exit !== 0) throw new Error(`npm run build failed: ${result.stdout}${result.stderr}`);
    return join(root, 'bin/badorigin.js');
  });
  return built;
}

/**
 * Transpiles a self-contained bench script (imports of node built-ins only) to ES2022 JavaScript in a fresh
 * temporary directory and returns the .mjs path. Types are checked by `npm run typecheck`, not here.
 */
export function plainScript(script: string): string {
  const source = readFileSync(fileURLToPath(new URL(script, import.meta.url)), 'utf8');
  const output = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = join(mkdtempSync(join(tmpdir(), 'badorigin-bench-js-')), basename(script).replace(/\.ts$/, '.mjs'));
  writeFileSync(file, output);
  return file;
}
