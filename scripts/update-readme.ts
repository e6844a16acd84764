// npm run readme: rewrites the generated parts of README.md: the listener table (between the scenarios markers)
// from the catalogue, exactly as `badorigin manifest --format markdown` renders it, and the performance table
// (between the bench markers) from bench/results/latest.json (bench/table.ts; `npm run bench` does this too), and
// the CLI option tables and the error codes (between the options, verify-options and errors markers) from
// src/options/table.ts, src/verify/options.ts and src/errors.ts.
// test/readme.test.ts fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readResults } from '../bench/results.js';
import { spliceReadmeBlock } from '../bench/table.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest } from '../src/render.js';
import { renderErrorTable, renderOptionTable, spliceBlock } from '../src/readme-tables.js';
import { FARM_OPTIONS } from '../src/options/table.js';
import { VERIFY_OPTIONS } from '../src/verify/options.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const table = renderManifest(plannedManifest(resolveSettings({})), 'markdown');
const withListeners = readme.replace(/(<!-- scenarios:begin -->\n)[\s\S]*?(<!-- scenarios:end -->)/, `$1${table.trim()}\n$2`);
const withOptions = spliceBlock(spliceBlock(spliceBlock(withListeners, 'options', renderOptionTable(FARM_OPTIONS)), 'errors', renderErrorTable()), 'verify-options', renderOptionTable(VERIFY_OPTIONS));
const updated = spliceReadmeBlock(withOptions, readResults(fileURLToPath(new URL('../bench/results/latest.json', import.meta.url))));
if (updated === readme) process.stdout.write('README.md tables already up to date\n');
else {
  writeFileSync(file, updated);
  process.stdout.write('README.md tables updated\n');
}
