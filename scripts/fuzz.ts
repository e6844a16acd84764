// npm run fuzz -- [--hellos N] [--http N] [--h2 N] [--specs N] [--scenarios N] [--inputs N] [--seed S] [--concurrency C] [--deadline-ms MS] [--json FILE]
// The fuzz run (scripts/fuzz/run.ts): malformed ClientHellos, HTTP requests, HTTP/2 connections, crafted fault specs and scenario documents must not crash the farm. Exit 0 when it passed, 1 when it failed, 2 on bad flags.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport, runFuzz } from './fuzz/run.js';

const { values } = parseArgs({
  options: {
    hellos: { type: 'string' },
    http: { type: 'string' },
    h2: { type: 'string' },
    specs: { type: 'string' },
    scenarios: { type: 'string' },
    'h2-over-tls': { type: 'string', default: '0.3' },
    'h2-concurrency': { type: 'string', default: '32' },
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
  --h2 N             HTTP/2 inputs to the http2 listeners (default 100000)
  --specs N          crafted fault specs to the crafted listeners (default 10000)
  --scenarios N      scenario documents POSTed to the control API's POST /listeners (default 1000)
  --inputs N         total inputs instead, split 10:1:1 between ClientHellos, HTTP and HTTP/2
  --seed S           seed (default: random, printed); the same seed sends the same inputs
  --concurrency C    connections in flight (default 128)
  --deadline-ms MS   wait for the farm's reaction to one input (default 1000)
  --http-over-tls F  share of the HTTP inputs sent inside TLS to the -tls listeners (default 0.1)
  --h2-over-tls F    share of the HTTP/2 inputs sent inside TLS with ALPN h2, the rest as h2c (default 0.3)
  --h2-concurrency C connections in flight during the HTTP/2 inputs (default 32: floods cost the farm more)
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
const hellos = whole('hellos', values.hellos, inputs === undefined ? 1_000_000 : Math.round((inputs * 10) / 12));
const http = whole('http', values.http, inputs === undefined ? 100_000 : Math.round(inputs / 12));
const h2 = whole('h2', values.h2, inputs === undefined ? 100_000 : inputs - Math.round((inputs * 10) / 12) - Math.round(inputs / 12));
const seed = whole('seed', values.seed, Math.floor(Math.random() * 0x1_0000_0000));
function share(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) {
    process.stderr.write(`fuzz: --${flag} must be between 0 and 1\n`);
    process.exit(2);
  }
  return n;
}

const report = await runFuzz({
  hellos,
  http,
  h2,
  specs: whole('specs', values.specs, 10_000),
  scenarios: whole('scenarios', values.scenarios, 1_000),
  seed,
  concurrency: Math.max(1, whole('concurrency', values.concurrency, 128)),
  deadlineMs: Math.max(1, whole('deadline-ms', values['deadline-ms'], 1000)),
  httpOverTlsShare: share('http-over-tls', values['http-over-tls']),
  h2OverTlsShare: share('h2-over-tls', values['h2-over-tls']),
  h2Concurrency: Math.max(1, whole('h2-concurrency', values['h2-concurrency'], 32)),
  progress: (line) => process.stderr.write(`fuzz: ${line}\n`),
});
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${formatReport(report)}\n`);
process.exitCode = report.failures.length ? 1 : 0;
