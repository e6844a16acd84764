import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { VerifyReport } from '../src/verify/report-schema.js';
import { verify } from '../src/verify/run.js';
import { useFarm } from './helpers/farm.js';
import { relay } from './helpers/relay.js';

// The farm keeps the latest verify report: `POST /verify/reports` (checked against the report schema, a write like
// the others) and an in-process `verify` hand it over, `GET /verify/latest` answers it.

/** A request to the control API; resolves with status and body text (5 s limit). */
function call(url: string, method = 'GET', headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 5000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** A report of the schema with no listeners, as a verify run of an empty selection would give. */
function emptyReport(target: string): VerifyReport {
  return {
    format: 'badorigin-verify-report/1',
    startedAt: new Date().toISOString(),
    durationMs: 12,
    target,
    profile: 'nginx',
    farm: 'in-process',
    repeat: 1,
    summary: { listeners: 0, matched: 0, mismatched: 0, unjudged: 0 },
    ok: true,
    listeners: [],
  };
}

describe('the latest verify report', () => {
  const fixture = useFarm({ only: ['http-ok'] });
  let proxy: Server | undefined;
  before(async () => {
    proxy = await relay(fixture.farm);
  });
  after(() => proxy?.close());
  const base = () => fixture.farm.control!.url;

  test('POST /verify/reports then GET /verify/latest answers it; a bad body is 400 and keeps the previous one', async () => {
    const first = emptyReport('http://first.test/');
    const posted = await call(`${base()}/verify/reports`, 'POST', JSON_TYPE, JSON.stringify(first));
    assert.equal(posted.status, 201, posted.body);
    const latest = await call(`${base()}/verify/latest`);
    assert.equal(latest.status, 200);
    assert.deepEqual(JSON.parse(latest.body), first);
    for (const bad of ['{"format":"badorigin-verify-report/1"}', '[]', '{not json', JSON.stringify({ ...first, repeat: 0 })]) {
      const refused = await call(`${base()}/verify/reports`, 'POST', JSON_TYPE, bad);
      assert.equal(refused.status, 400, bad);
      assert.match(refused.body, /^\{"error":"[^\n]+"\}\n$/);
    }
    assert.deepEqual(JSON.parse((await call(`${base()}/verify/latest`)).body), first);
  });

  test('a cross-origin POST /verify/reports is refused and changes nothing', async () => {
    const before = (await call(`${base()}/verify/latest`)).body;
    const evil = emptyReport('http://evil.test/');
    for (const headers of [{ origin: 'http://evil.test' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
      const refused = await call(`${base()}/verify/reports`, 'POST', { ...JSON_TYPE, ...headers }, JSON.stringify(evil));
      assert.equal(refused.status, 403);
    }
    assert.equal((await call(`${base()}/verify/latest`)).body, before);
  });

  test('an in-process verify run leaves its report at GET /verify/latest', async () => {
    const port = (proxy!.address() as { port: number }).port;
    const report = await verify({
      route: `http://127.0.0.1:${port}/{id}/`,
      farmObject: fixture.farm,
      only: 'http-ok',
      skip: 'http-ok-tls',
      timeout: 5,
    });
    assert.equal(report.listeners.length, 1);
    assert.equal(report.listeners[0]!.asks[0]!.client.status, 200);
    assert.ok(report.listeners[0]!.asks[0]!.attempts.length >= 1, 'the farm attributed the ask');
    const latest = await call(`${base()}/verify/latest`);
    assert.equal(latest.status, 200);
    assert.deepEqual(JSON.parse(latest.body), report);
  });
  test('verify --farm URL posts its report to POST /verify/reports', async () => {
    const port = (proxy!.address() as { port: number }).port;
    const notices: string[] = [];
    const report = await verify({
      route: `http://127.0.0.1:${port}/{id}/`,
      farm: base(),
      only: 'http-ok',
      skip: 'http-ok-tls',
      timeout: 5,
      onNotice: (line) => notices.push(line),
    });
    assert.deepEqual(notices, []);
    assert.equal(report.farm, base());
    assert.deepEqual(JSON.parse((await call(`${base()}/verify/latest`)).body), report);
  });
});

describe('the latest verify report before any run, and behind a token', () => {
  const fixture = useFarm({ only: ['http-ok'], controlToken: 'sekrit' });
  const base = () => fixture.farm.control!.url;

  test('GET /verify/latest is a 404 JSON error before any; POST needs the token', async () => {
    const auth = { authorization: 'Bearer sekrit' };
    const none = await call(`${base()}/verify/latest`, 'GET', auth);
    assert.equal(none.status, 404);
    assert.match(JSON.parse(none.body).error, /no verify report/);
    const body = JSON.stringify(emptyReport('http://x.test/'));
    assert.equal((await call(`${base()}/verify/reports`, 'POST', JSON_TYPE, body)).status, 401);
    assert.equal((await call(`${base()}/verify/latest`, 'GET', auth)).status, 404);
    assert.equal((await call(`${base()}/verify/reports`, 'POST', { ...JSON_TYPE, ...auth }, body)).status, 201);
    assert.equal((await call(`${base()}/verify/latest`, 'GET', auth)).status, 200);
  });
});
