// npm run fuzz -- [--hellos N] [--http N] [--inputs N] [--seed S] [--concurrency C] [--deadline-ms MS] [--json FILE]
// The fuzz run (scripts/fuzz/run.ts): malformed ClientHellos and HTTP requests must not crash the farm. Exit 0 when it passed, 1 when it failed, 2 on bad flags.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport, runFuzz } from './fuzz/run.js';

const { values } = parseArgs({
  options: {
    hellos: { type: 'string' },
    http: { type: 'string' },
    inputs: { type: 'string' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '128' },
    'deadline-ms': { type: 'string', default: '1000' },
    'http-over-tls': { type: 'string', default: '0.1' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(`npm run fuzz -- [options]
  --hellos N         ClientHello inputs (default 1000000)
  --http N           HTTP inputs (default 100000)
  --inputs N         total inputs instead, split 10:1 between ClientHellos and HTTP
  --seed S           seed (default: random, printed); the same seed sends the same inputs
  --concurrency C    connections in flight (default 128)
  --deadline-ms MS   wait for the farm's reaction to one input (default 1000)
  --http-over-tls F  share of the HTTP inputs sent inside TLS to the -tls listeners (default 0.1)
  --json FILE        also write the report as JSON
`);
  process.exit(0);
}

function whole(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`fuzz: --${flag} must be a whole number, not ${value}\n`);
    process.exit(2);
  }
  return n;
}

const inputs = values.inputs === undefined ? undefined : whole('inputs', values.inputs, 0);
const hellos = whole('hellos', values.hellos, inputs === undefined ? 1_000_000 : Math.round((inputs * 10) / 11));
const http = whole('http', values.http, inputs === undefined ? 100_000 : inputs - Math.round((inputs * 10) / 11));
const seed = whole('seed', values.seed, Math.floor(Math.random() * 0x1_0000_0000));
const share = Number(values['http-over-tls']);
if (!(share >= 0 && share <= 1)) {
  process.stderr.write(`fuzz: --http-over-tls must be between 0 and 1\n`);
  process.exit(2);
}

const report = await runFuzz({
  hellos,
  http,
  seed,
  concurrency: Math.max(1, whole('concurrency', values.concurrency, 128)),
  deadlineMs: Math.max(1, whole('deadline-ms', values['deadline-ms'], 1000)),
  httpOverTlsShare: share,
  progress: (line) => process.stderr.write(`fuzz: ${line}\n`),
});
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${formatReport(report)}\n`);
process.exitCode = report.failures.length ? 1 : 0;
