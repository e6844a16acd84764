// npm run attack -- [--short] [--only SECTION,...] [--json FILE]
// Resource attacks on a farm in its own process (scripts/attack/): exit 0 when every section passed, 1 when one
// failed, 2 on bad flags.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatSection, runAttack, SECTIONS } from './attack/run.js';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(`npm run attack -- [options]
  --short        the smaller counts CI runs (test/attack.test.ts)
  --only A,B     run only these sections: ${SECTIONS.map((s) => s.name).join(', ')}
  --json FILE    also write the results as JSON
`);
  process.exit(0);
}

// Each farm is SIGKILLed on exit (scripts/attack/farm.ts); turn a signal into an exit so that happens.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const only =
  values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [];
const results = await runAttack({ short: values.short, only, progress: (r) => process.stdout.write(`${formatSection(r)}\n`) }).catch(
  (error: Error) => {
    process.stderr.write(`attack: ${error.message}\n`);
    process.exit(2);
  },
);
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
const failed = results.filter((r) => !r.passed);
process.stdout.write(
  `${results.length - failed.length} of ${results.length} sections passed${failed.length ? `; FAILED: ${failed.map((r) => r.name).join(', ')}` : ''}\n`,
);
process.exitCode = failed.length ? 1 : 0;
