// npm run readme: rewrites the listener table of README.md (between the scenarios markers) from the catalogue,
// exactly as `badorigin manifest --format markdown` renders it. test/readme.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest } from '../src/render.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const table = renderManifest(plannedManifest(resolveSettings({})), 'markdown');
const updated = readme.replace(/(<!-- scenarios:begin -->\n)[\s\S]*?(<!-- scenarios:end -->)/, `$1${table.trim()}\n$2`);
if (updated === readme) process.stdout.write('README.md table already up to date\n');
else {
  writeFileSync(file, updated);
  process.stdout.write('README.md table updated\n');
}
