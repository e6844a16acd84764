import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The floors of docs/architecture.md, checked on the import statements themselves (type-only imports included:
// a type borrowed from above is still a dependency on above).
const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every .ts file under `src/<dir>`, as paths relative to src/. */
function sources(dir = ''): string[] {
  return readdirSync(join(SRC, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The src/-relative files a module imports by relative path (packages and node: modules are left out). */
function localImports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true);
  return info.importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => relative(SRC, resolve(SRC, dirname(file), name)).replace(/\.js$/, '.ts'));
}

test('src/tls/ (the protocol floor) imports nothing of the farm outside src/tls/', () => {
  const files = sources('tls');
  assert.ok(
    files.includes(join('tls', 'client-hello.ts')) && files.includes(join('tls', 'records.ts')),
    'src/tls/ holds the parser and the records',
  );
  const outside = files.flatMap((file) =>
    localImports(file)
      .filter((target) => !target.startsWith('tls/'))
      .map((target) => `${file} -> ${target}`),
  );
  assert.deepEqual(outside, []);
});

test('src/h2/ (the HTTP/2 frame floor) imports nothing of the farm outside src/h2/', () => {
  const files = sources('h2');
  assert.ok(
    files.includes(join('h2', 'frames.ts')) && files.includes(join('h2', 'frame-reader.ts')),
    'src/h2/ holds the frames and the reader',
  );
  const outside = files.flatMap((file) =>
    localImports(file)
      .filter((target) => !target.startsWith('h2/'))
      .map((target) => `${file} -> ${target}`),
  );
  assert.deepEqual(outside, []);
});

test('src/manifest.ts and the command lines it prints import nothing from listeners/ or clients/', () => {
  for (const file of ['manifest.ts', 'client-commands.ts', 'transport.ts']) {
    const imports = localImports(file);
    assert.deepEqual(
      imports.filter((target) => /^(listeners|clients)\//.test(target)),
      [],
      file,
    );
  }
  assert.ok(localImports('manifest.ts').includes('client-commands.ts'), 'the manifest builds its commands from client-commands.ts');
});

test('no import cycle among the modules of src/', () => {
  const graph = new Map(sources().map((file) => [file, localImports(file)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('src/client/ (badorigin/client, a client of a remote farm) loads nothing of the farm: only types from outside src/client/', () => {
  const files = sources('client');
  assert.ok(files.includes(join('client', 'index.ts')), 'src/client/index.ts is the export');
  const loaded = files.flatMap((file) => {
    const source = ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.ES2022);
    return source.statements
      .filter((s): s is ts.ImportDeclaration | ts.ExportDeclaration => ts.isImportDeclaration(s) || ts.isExportDeclaration(s))
      .filter((s) => s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text.startsWith('.'))
      .filter((s) => !(ts.isImportDeclaration(s) ? s.importClause?.isTypeOnly : s.isTypeOnly))
      .map((s) => relative(SRC, resolve(SRC, dirname(file), (s.moduleSpecifier as ts.StringLiteral).text)).replace(/\.js$/, '.ts'))
      .filter((target) => !target.startsWith('client/'))
      .map((target) => `${file} -> ${target}`);
  });
  assert.deepEqual(loaded, []);
});

test('no type assertion through never or unknown in src/: parameter types come from the schemas that check them', () => {
  const casts = sources().flatMap((file) =>
    readFileSync(join(SRC, file), 'utf8')
      .split('\n')
      .flatMap((line, index) => (/\bas (never|unknown as)\b/.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
  );
  assert.deepEqual(casts, []);
});
