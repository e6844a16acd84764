// npm run readme: rewrites the generated parts of README.md: the listener table (between the scenarios markers)
// from the catalogue, exactly as `badorigin manifest --format markdown` renders it, and the performance table
// (between the bench markers) from bench/results/latest.json (bench/table.ts; `npm run bench` does this too), and
// the CLI option tables and the error codes (between the options, verify-options and errors markers) from
// src/options/table.ts, src/verify/options.ts and src/errors.ts, and the list of HTTP faults and the caps of their
// per-request overrides (between the http-faults and override-caps markers) from the catalogue and
// src/listeners/http/ (src/http-fault-docs.ts); the fault and override tables of docs/http-faults.md likewise;
// docs/sources.md, docs/timeouts.md and the settings table of docs/cdns.md from src/cdn/; schema/scenario.schema.json
// from src/scenario-schema.ts (with the CDN expectations of src/cdn/expectation.ts and the behaviour of
// src/listeners/behaviour.ts). test/readme.test.ts, test/sources.test.ts and test/catalogue.test.ts fail when any is
// stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readResults } from '../bench/results.js';
import { spliceReadmeBlock } from '../bench/table.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { renderManifest } from '../src/render.js';
import { loadCatalogue } from '../src/catalogue.js';
import { renderHttpFaultList, renderHttpFaultTable, renderOverrideCaps, renderOverrideTable } from '../src/http-fault-docs.js';
import { CDN_COLUMNS } from '../src/cdn/expectation.js';
import { renderSourcesMarkdown } from '../src/cdn/sources.js';
import { renderSettingsTable } from '../src/cdn/settings.js';
import { renderTimeoutsMarkdown } from '../src/cdn/timeouts-markdown.js';
import { renderErrorTable, renderOptionTable, spliceBlock } from '../src/readme-tables.js';
import { FARM_OPTIONS } from '../src/options/table.js';
import { scenarioSchemaDocument } from '../src/scenario-schema-document.js';
import { VERIFY_OPTIONS } from '../src/verify/options.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const table = renderManifest(plannedManifest(resolveSettings({})), 'markdown');
const withListeners = readme.replace(/(<!-- scenarios:begin -->\n)[\s\S]*?(<!-- scenarios:end -->)/, `$1${table.trim()}\n$2`);
const withOptions = spliceBlock(
  spliceBlock(spliceBlock(withListeners, 'options', renderOptionTable(FARM_OPTIONS)), 'errors', renderErrorTable()),
  'verify-options',
  renderOptionTable(VERIFY_OPTIONS),
);
const catalogue = loadCatalogue();
const withFaults = spliceBlock(
  spliceBlock(withOptions, 'http-faults', renderHttpFaultList(catalogue)),
  'override-caps',
  renderOverrideCaps(),
);
const updated = spliceReadmeBlock(withFaults, readResults(fileURLToPath(new URL('../bench/results/latest.json', import.meta.url))));
if (updated === readme) process.stdout.write('README.md tables already up to date\n');
else {
  writeFileSync(file, updated);
  process.stdout.write('README.md tables updated\n');
}

/** Writes `text` to `file` (relative to the package) when it differs, and says which. */
function write(path: string, text: string): void {
  const target = new URL(`../${path}`, import.meta.url);
  let before = '';
  try {
    before = readFileSync(target, 'utf8');
  } catch {
    // a new file
  }
  if (before === text) return;
  writeFileSync(target, text);
  process.stdout.write(`${path} updated\n`);
}

write('docs/sources.md', renderSourcesMarkdown());
const httpFaults = readFileSync(new URL('../docs/http-faults.md', import.meta.url), 'utf8');
write(
  'docs/http-faults.md',
  spliceBlock(
    spliceBlock(httpFaults, 'faults', renderHttpFaultTable(catalogue, FARM_OPTIONS.basePort.default)),
    'overrides',
    renderOverrideTable(),
  ),
);
write('docs/timeouts.md', renderTimeoutsMarkdown());
const cdnNames = Object.fromEntries(CDN_COLUMNS.map((c) => [c.key, c.name]));
write(
  'docs/cdns.md',
  spliceBlock(readFileSync(new URL('../docs/cdns.md', import.meta.url), 'utf8'), 'settings', renderSettingsTable(cdnNames)),
);
write('schema/scenario.schema.json', `${JSON.stringify(scenarioSchemaDocument(), null, 2)}\n`);
