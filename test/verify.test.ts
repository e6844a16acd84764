import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { connect } from 'node:net';
import { generateConfig } from '../src/config/index.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import type { Farm } from '../src/farm.js';
import { packagePath } from '../src/paths.js';
import type { ListenerReport, VerifyReport } from '../src/verify/report-schema.js';
import { verify } from '../src/verify/run.js';
import { probeUrl } from '../src/verify/target.js';
import { runCli } from './helpers/cli.js';
import { certsDir, tempDir, useFarm } from './helpers/farm.js';
import { freePort, startHaproxy, startNginx, startVarnish, type RunningProxy } from './helpers/proxies.js';
import { requireTool } from './helpers/tools.js';

// End to end: a farm with its attempt ledger and control API, real nginx and HAProxy with generated configuration,
// and `verify` through them. Needs the farm's attempt ledger (Farm.attempts/beginProbe/endProbe and the control API's
// /listeners/:id/attempts and /listeners/:id/probes).

// Debian keeps nginx and haproxy in /usr/sbin, which a non-root PATH lacks.
process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

/** The proxy's read timeout in these runs (s): the first-byte timeout `verify` must measure. */
const READ_TIMEOUT_S = 2;
const TIMEOUTS = { connectTimeoutS: 2, readTimeoutS: READ_TIMEOUT_S };
/** Scenarios judged: `--only` with a scenario id selects its plain and TLS listeners alike. */
const JUDGED = ['http-ok', 'slow-first-byte', 'cert-expired', 'origin-status', 'connection-refused'];

const validateReport = new Ajv({ allErrors: true, strict: true }).compile<VerifyReport>(
  JSON.parse(readFileSync(packagePath('schema/verify-report.schema.json'), 'utf8')),
);

const byId = (reports: ListenerReport[], id: string): ListenerReport => {
  const found = reports.find((r) => r.id === id);
  assert.ok(found, `the report has ${id}`);
  return found;
};

/** nginx with the generated configuration, `edit` applied to its text; the error log is `<dir>/error.log`. */
async function nginxFor(farm: Farm, dir: string, edit: (config: string) => string = (c) => c): Promise<RunningProxy> {
  const port = await freePort();
  const config = generateConfig('nginx', farm.manifest, { ...TIMEOUTS, listen: port, foreground: true, errorLog: join(dir, 'error.log') });
  return startNginx(edit(config), dir, port);
}

describe('verify through real nginx', () => {
  const fixture = useFarm({ only: JUDGED });
  const work = tempDir('badorigin-verify-');
  let nginx: RunningProxy | undefined;
  before(async () => {
    if (requireToolQuiet('nginx')) nginx = await nginxFor(fixture.farm, work.dir);
  });
  after(async () => {
    await nginx?.stop();
    work.remove();
  });

  test('--expect nginx: exit 0, every judged listener matched, the JSON report valid against its schema', async (t) => {
    if (!requireTool(t, 'nginx') || !nginx) return;
    const json = join(work.dir, 'report.json');
    const args = [
      'verify',
      '--via',
      `http://127.0.0.1:${nginx.port}`,
      '--farm',
      fixture.farm.control!.url,
      '--expect',
      'nginx',
      '--only',
      JUDGED.join(','),
      '--read-timeout',
      String(READ_TIMEOUT_S),
    ];
    const result = await runCli([...args, '--proxy-log', join(work.dir, 'error.log'), '--json', json], 60_000);
    assert.equal(result.exit, 0, `${result.stdout}\n${result.stderr}`);
    const report: unknown = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
    const listeners = fixture.farm.manifest.listeners.length;
    assert.ok(listeners > JUDGED.length, 'TLS variants are judged too');
    assert.deepEqual(report.summary, { listeners, matched: listeners, mismatched: 0, unjudged: 0 });
    const ok = byId(report.listeners, 'http-ok');
    assert.deepEqual([ok.figures.attempts, ok.figures.requests], [1, 1]);
    const request = ok.asks[0]!.attempts[0]!.requests[0]!;
    assert.ok(request.target.includes(`/__probe/${ok.probe}/`), request.target);
    assert.ok(
      request.headers.some(([name, value]) => name.toLowerCase() === 'x-badorigin-probe' && value === ok.probe),
      'the probe header reached the origin',
    );
    const cert = byId(report.listeners, 'cert-expired');
    assert.deepEqual(cert.figures.sni, { sent: true, name: fixture.farm.manifest.hostname });
    assert.equal(byId(report.listeners, 'connection-refused').figures.attempts, 0, 'a refused connection is never accepted');
  });

  test('the first-byte timeout nginx applies (proxy_read_timeout 2s) is measured within 10%, over TCP and TLS', async (t) => {
    if (!requireTool(t, 'nginx') || !nginx) return;
    const report = await verify({ via: `http://127.0.0.1:${nginx.port}`, farmObject: fixture.farm, only: ['slow-first-byte'] });
    assert.deepEqual(report.listeners.map((l) => l.id).sort(), ['slow-first-byte', 'slow-first-byte-tls']);
    for (const listener of report.listeners) {
      const applied = listener.figures.appliedTimeout;
      assert.equal(applied?.kind, 'first-byte', listener.id);
      const expected = READ_TIMEOUT_S * 1000;
      assert.ok(applied && Math.abs(applied.ms - expected) <= expected * 0.1, `${listener.id}: measured ${applied?.ms} ms`);
    }
  });

  test('--expect haproxy through nginx: exit 1, and the JUnit file lists the listeners whose status differs', async (t) => {
    if (!requireTool(t, 'nginx') || !nginx) return;
    const junit = join(work.dir, 'junit.xml');
    const args = [
      'verify',
      '--via',
      `http://127.0.0.1:${nginx.port}`,
      '--farm',
      fixture.farm.control!.url,
      '--expect',
      'haproxy',
      '--only',
      JUDGED.join(','),
      '--junit',
      junit,
    ];
    const result = await runCli(args, 60_000);
    assert.equal(result.exit, 1, `${result.stdout}\n${result.stderr}`);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, new RegExp(`tests="${fixture.farm.manifest.listeners.length}" failures="2"`));
    const failed = [...xml.matchAll(/<testcase [^>]*name="([^"]+)"[^>]*>\n\s*<failure /g)].map((m) => m[1]).sort();
    assert.deepEqual(failed, ['cert-expired', 'connection-refused']);
    assert.match(xml, /<failure type="mismatch" message="status: expected 503, observed 502">/);
  });

  test('asked twice (library, --repeat 2): each ask reached the origin, so no error was re-used', async (t) => {
    if (!requireTool(t, 'nginx') || !nginx) return;
    const report = await verify({
      via: `http://127.0.0.1:${nginx.port}`,
      farmObject: fixture.farm,
      only: ['http-ok'],
      expect: 'nginx',
      repeat: 2,
    });
    assert.equal(report.ok, true);
    assert.deepEqual(report.listeners[0]!.figures.repeat, { asks: 2, statuses: [200, 200], originTries: [1, 1], errorReused: false });
    assert.deepEqual(
      report.listeners[0]!.asks.map((a) => a.attempts.length),
      [1, 1],
    );
  });
});

describe('verify counts the retries of a proxy configured to retry', () => {
  const fixture = useFarm({ only: ['reset-on-connect'] });
  const work = tempDir('badorigin-verify-retries-');
  after(() => work.remove());

  test('nginx, proxy_next_upstream_tries 3 to the same failing listener listed three times: three attempts, each a fresh connection', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const port = fixture.listener('reset-on-connect').port;
    const server = `server 127.0.0.1:${port};`;
    const nginx = await nginxFor(fixture.farm, work.dir, (c) =>
      c
        .replace('proxy_next_upstream off;', 'proxy_next_upstream error timeout;\n    proxy_next_upstream_tries 3;')
        .replace(server, `${server}\n        ${server}\n        ${server}`),
    );
    t.after(() => nginx.stop());
    const report = await verify({ via: `http://127.0.0.1:${nginx.port}`, farmObject: fixture.farm, only: ['reset-on-connect'] });
    const figures = report.listeners[0]!.figures;
    assert.deepEqual(
      [figures.attempts, figures.freshConnections, figures.reusedConnections, figures.retryIntervalsMs.length],
      [3, 3, 0, 2],
    );
    assert.equal(report.listeners[0]!.asks[0]!.client.status, 502);
  });

  test('HAProxy, retries 2 (retry-on conn-failure empty-response): three attempts', async (t) => {
    if (!requireTool(t, 'haproxy')) return;
    const port = await freePort();
    const config = generateConfig('haproxy', fixture.farm.manifest, { ...TIMEOUTS, listen: port }).replace(
      'retries 0',
      'retries 2\n    retry-on conn-failure empty-response',
    );
    const haproxy = await startHaproxy(config, work.dir, port);
    t.after(() => haproxy.stop());
    const report = await verify({ via: `http://127.0.0.1:${port}`, farmObject: fixture.farm, only: ['reset-on-connect'] });
    assert.equal(report.listeners[0]!.figures.attempts, 3);
  });
});

describe("verify through Varnish health-checking a failing backend: the health checks are not the probe's attempts", () => {
  const fixture = useFarm({ only: ['health-failing'], controlPort: null });
  const work = tempDir('badorigin-verify-varnish-health-');
  after(() => work.remove());

  test('health-failing: Varnish answers 503 without fetching; its .probe GETs / in the window are kept without the probe', async (t) => {
    if (!requireTool(t, 'varnishd')) return;
    const port = await freePort();
    const vcl = generateConfig('varnish', fixture.farm.manifest, { ...TIMEOUTS, listen: port });
    assert.match(vcl, /\.probe = \{/);
    const varnish = await startVarnish(vcl, work.dir, port);
    t.after(() => varnish.stop());
    // Probes every 1 s, sick once 2 of the last 3 failed: wait until the farm has answered three.
    const healthChecks = () => (fixture.farm.attempts('health-failing') ?? []).filter((a) => a.requests[0]?.target === '/');
    for (let i = 0; i < 100 && healthChecks().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    // A probe window held open across Varnish's probe interval, as a slow probe's is: a health check lands in it.
    const { farm } = fixture;
    const probe = 'health-failing.varnish1';
    const opened = Date.now();
    farm.beginProbe('health-failing', probe, { requestsNamed: true });
    for (let i = 0; i < 30 && !healthChecks().some((a) => a.startedAt >= opened); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(probeUrl({ via: `http://127.0.0.1:${port}` }, 'health-failing', probe), {
      headers: { 'x-badorigin-probe': probe },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    const attempts = farm.attempts('health-failing', { probe })!;
    farm.endProbe('health-failing', probe);
    assert.equal(response.status, 503);
    const inWindow = healthChecks().filter((a) => a.startedAt >= opened);
    assert.ok(inWindow.length > 0, 'a health check arrived in the window');
    assert.ok(
      inWindow.every((a) => a.probe === undefined),
      JSON.stringify(inWindow.map((a) => a.probe)),
    );
    assert.deepEqual(attempts, [], 'Varnish never fetched from the sick backend: the probe has no attempt');
    const report = await verify({ via: `http://127.0.0.1:${port}`, farmObject: farm, only: ['health-failing'], expect: 'varnish' });
    const listener = byId(report.listeners, 'health-failing');
    assert.deepEqual([listener.asks[0]!.client.status, listener.figures.attempts, listener.verdict.result], [503, 0, 'match']);
  });
});

describe('verify --reset starts a stateful listener over before its probe', () => {
  const fixture = useFarm({ only: ['stale-then-fail'] });
  const work = tempDir('badorigin-verify-reset-');
  after(() => work.remove());

  test('stale-then-fail through nginx: the second run fails without --reset and matches with it (control API)', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const nginx = await nginxFor(fixture.farm, work.dir);
    t.after(() => nginx.stop());
    const args = [
      'verify',
      '--via',
      `http://127.0.0.1:${nginx.port}`,
      '--farm',
      fixture.farm.control!.url,
      '--expect',
      'nginx',
      '--only',
      'stale-then-fail',
    ];
    const first = await runCli(args, 60_000);
    assert.equal(first.exit, 0, `the first request gets the cacheable 200:\n${first.stdout}${first.stderr}`);
    const again = await runCli(args, 60_000);
    assert.equal(again.exit, 1, `later requests fail:\n${again.stdout}${again.stderr}`);
    const reset = await runCli([...args, '--reset'], 60_000);
    assert.equal(reset.exit, 0, `--reset makes the next request the first again:\n${reset.stdout}${reset.stderr}`);
  });
});

describe('verify --start', () => {
  test('starts the farm with the farm options given, judges it through nginx, and closes it', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const certs = certsDir();
    const work = tempDir('badorigin-verify-start-');
    t.after(() => (certs.remove(), work.remove()));
    // Fixed ports, as a proxy pointed at a farm needs: http-ok and http-ok-tls at base + 60 and base + 160.
    const basePort = 20_000 + (process.pid % 1000) * 20;
    const farmArgs = ['--base-port', String(basePort), '--only', 'http-ok', '--certs-dir', certs.dir, '--no-control'];
    // nginx reads the farm CA when it starts: create it first, as `badorigin ca` does for a real proxy.
    assert.equal((await runCli(['ca', '--certs-dir', certs.dir])).exit, 0);
    const manifest = plannedManifest(resolveSettings({ basePort, only: ['http-ok'], certsDir: certs.dir }));
    const port = await freePort();
    const nginx = await startNginx(
      generateConfig('nginx', manifest, { ...TIMEOUTS, listen: port, foreground: true, errorLog: join(work.dir, 'error.log') }),
      work.dir,
      port,
    );
    t.after(() => nginx.stop());
    const json = join(work.dir, 'report.json');
    const result = await runCli(
      ['verify', '--start', ...farmArgs, '--via', `http://127.0.0.1:${port}`, '--expect', 'nginx', '--json', json],
      60_000,
    );
    assert.equal(result.exit, 0, `${result.stdout}\n${result.stderr}`);
    const report: unknown = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(validateReport(report), JSON.stringify(validateReport.errors));
    assert.equal(report.farm, 'in-process');
    assert.deepEqual(
      report.listeners.map((l) => [l.id, l.verdict.result, l.figures.attempts]),
      [
        ['http-ok', 'match', 1],
        ['http-ok-tls', 'match', 1],
      ],
    );
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(basePort + 60, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    assert.ok(refused, 'the farm verify started is closed when it exits');
  });
});

/** Whether `tool` is on PATH (the tests themselves report a missing tool through `requireTool`). */
function requireToolQuiet(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, tool)));
}
