import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { loadCatalogue, type Scenario } from '../src/catalogue.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { packagePath } from '../src/paths.js';
import { deriveFigures, ownRequests, splitByAsk, timeoutKindOf } from '../src/verify/figures.js';
import { renderJunit } from '../src/verify/format/junit.js';
import { renderMarkdown } from '../src/verify/format/markdown.js';
import { renderTable } from '../src/verify/format/table.js';
import { intermediaryProfiles } from '../src/verify/profiles.js';
import { attributeLog, LOG_KIND_OF_PROFILE } from '../src/verify/proxy-log.js';
import { verifyReportSchemaText } from '../src/verify/report-schema.js';
import { BLOCKING_BODY_BYTES } from '../src/client-request.js';
import { OVERSIZED_READ_BYTES } from '../src/listeners/http/faults/oversized-body.js';
import { requestFor } from '../src/verify/request.js';
import { newProbeId, probeUrl } from '../src/verify/target.js';
import { expectationOf, judge } from '../src/verify/verdict.js';
import { fakeAttempt, fakeClient, fakeListenerReport, fakeReport, fakeRequest } from './helpers/verify-fakes.js';

const catalogue = new Map(loadCatalogue().map((e) => [e.scenario.id, e.scenario]));
const scenario = (id: string): Scenario => {
  const found = catalogue.get(id);
  assert.ok(found, `the catalogue has ${id}`);
  return found;
};

describe('verify: the request per listener', () => {
  test('request-body faults get a POST larger than the socket buffers, origin-status asks for a 503, oversized-body a bounded read', () => {
    assert.deepEqual(requestFor(scenario('request-body-not-read')), { method: 'POST', bodyBytes: BLOCKING_BODY_BYTES });
    assert.deepEqual(requestFor(scenario('request-body-reset')), { method: 'POST', bodyBytes: BLOCKING_BODY_BYTES });
    assert.deepEqual(requestFor(scenario('origin-status')), { method: 'GET', pathSuffix: 'status/503' });
    assert.deepEqual(requestFor(scenario('oversized-body')), { method: 'GET', maxBodyBytes: OVERSIZED_READ_BYTES });
    assert.deepEqual(requestFor(scenario('cert-expired')), { method: 'GET' });
    assert.deepEqual(requestFor(undefined), { method: 'GET' });
  });

  test('slow-drip reads the chunks of one read timeout and a second more', () => {
    const drip = { mechanism: 'http-fault', params: { fault: 'slow-drip', intervalMs: 2000, chunkBytes: 1024 } };
    // (3 s + 1 s) / 2 s = 2 intervals, and the first chunk: 3 chunks.
    assert.deepEqual(requestFor(drip, 3), { method: 'GET', maxBodyBytes: 3 * 1024 });
    assert.deepEqual(requestFor(drip, 9), { method: 'GET', maxBodyBytes: 6 * 1024 });
  });

  test('the probe rides in the path after the listener route and before any suffix, under --via or a --route template', () => {
    assert.equal(
      probeUrl({ via: 'http://127.0.0.1:8080/' }, 'origin-status', 'p.1', 'status/503').href,
      'http://127.0.0.1:8080/origin-status/__probe/p.1/status/503',
    );
    assert.equal(
      probeUrl({ via: 'https://cdn.example.com/base' }, 'tls-ok', 'p.2').href,
      'https://cdn.example.com/base/tls-ok/__probe/p.2/',
    );
    assert.equal(
      probeUrl({ route: 'https://{id}.cdn.example.com/' }, 'cert-expired', 'p.3').href,
      'https://cert-expired.cdn.example.com/__probe/p.3/',
    );
    assert.throws(() => probeUrl({ via: 'ftp://x/' }, 'a', 'p'), /not an http or https URL/);
    assert.throws(() => probeUrl({ via: 'nope' }, 'a', 'p'));
    const ids = new Set(Array.from({ length: 100 }, () => newProbeId('tls-ok')));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, /^tls-ok\.[0-9a-f]{12}$/);
  });
});

describe('verify: derived figures', () => {
  test('timeout kinds come from the fault: first byte, mid-body, connect; none for the rest', () => {
    assert.equal(timeoutKindOf(scenario('slow-first-byte')), 'first-byte');
    assert.equal(timeoutKindOf(scenario('stall-mid-body')), 'mid-body');
    assert.equal(timeoutKindOf(scenario('connect-timeout')), 'connect');
    assert.equal(timeoutKindOf(scenario('http-ok')), undefined);
  });

  test("first-byte timeout: request head received to the intermediary's close; none when the farm closed first", () => {
    const asks = [{ sentAt: 1000, client: fakeClient({ status: 504 }) }];
    const closedByProxy = fakeAttempt({ requests: [fakeRequest(1010)], closedAt: 4010.4, closedBy: 'client' });
    assert.deepEqual(deriveFigures([closedByProxy], asks, 'first-byte').appliedTimeout, { kind: 'first-byte', ms: 3000.4 });
    const closedByFarm = fakeAttempt({ requests: [fakeRequest(1010)], closedAt: 4010, closedBy: 'farm' });
    assert.equal(deriveFigures([closedByFarm], asks, 'first-byte').appliedTimeout, null);
  });

  test('mid-body timeout runs from the stall; connect timeout is the client-side time to the answer', () => {
    const stalled = fakeAttempt({
      requests: [fakeRequest(1010)],
      actions: [{ at: 1020, detail: 'stalled after 1024 of 1048576 body bytes' }],
      closedAt: 4020,
      closedBy: 'error',
    });
    assert.deepEqual(deriveFigures([stalled], [{ sentAt: 1000, client: fakeClient() }], 'mid-body').appliedTimeout, {
      kind: 'mid-body',
      ms: 3000,
    });
    const client = fakeClient({ status: 504, timeToHeadMs: 2003.5, timeToEndMs: 2004 });
    assert.deepEqual(deriveFigures([], [{ sentAt: 1000, client }], 'connect').appliedTimeout, { kind: 'connect', ms: 2003.5 });
  });

  test('retries on fresh connections: attempts counted, intervals between tries', () => {
    const attempts = [1010, 1030, 1060].map((at, i) =>
      fakeAttempt({ connection: i + 1, startedAt: at - 2, requests: [fakeRequest(at)], closedAt: at + 1, closedBy: 'error' }),
    );
    const figures = deriveFigures(attempts, [{ sentAt: 1000, client: fakeClient({ status: 502 }) }], undefined);
    assert.deepEqual(
      [
        figures.attempts,
        figures.requests,
        figures.retryIntervalsMs,
        figures.freshConnections,
        figures.reusedConnections,
        figures.resentOnReused,
      ],
      [3, 3, [20, 30], 3, 0, false],
    );
  });

  test('a request sent again on the same connection, and a connection kept from before the ask', () => {
    const resent = fakeAttempt({ startedAt: 1001, requests: [fakeRequest(1010), fakeRequest(1500)] });
    const figures = deriveFigures([resent], [{ sentAt: 1000, client: fakeClient() }], undefined);
    assert.deepEqual([figures.attempts, figures.requests, figures.retryIntervalsMs, figures.resentOnReused], [1, 2, [490], true]);
    const kept = fakeAttempt({ startedAt: 500, requests: [fakeRequest(1010)] });
    const reused = deriveFigures([kept], [{ sentAt: 1000, client: fakeClient() }], undefined);
    assert.deepEqual([reused.freshConnections, reused.reusedConnections, reused.resentOnReused], [0, 1, false]);
  });

  test("a re-used connection keeps only the requests of this probe: not another probe's, a health check or an unnamed one", () => {
    const shared = fakeAttempt({
      probe: 'p',
      requests: [
        { ...fakeRequest(900), probe: 'other' },
        { ...fakeRequest(1010), probe: 'p' },
        { ...fakeRequest(1020), probe: 'p' },
        fakeRequest(1030, '/'),
        fakeRequest(1040, '/unrelated'),
      ],
    });
    assert.deepEqual(
      ownRequests([shared], 'p')[0]!.requests.map((r) => r.at),
      [1010, 1020],
    );
    const figures = deriveFigures(ownRequests([shared], 'p'), [{ sentAt: 1000, client: fakeClient() }], undefined);
    assert.deepEqual([figures.requests, figures.resentOnReused], [2, true]);
  });

  test('when no request names the probe (header dropped, path rewritten), unnamed requests are its, health checks not', () => {
    const stripped = fakeAttempt({ probe: 'p', requests: [fakeRequest(1010, '/rewritten'), fakeRequest(1020, '/?check')] });
    assert.deepEqual(
      ownRequests([stripped], 'p')[0]!.requests.map((r) => r.target),
      ['/rewritten'],
    );
  });

  test('SNI of the first ClientHello: the name, or that none was sent', () => {
    const hello = {
      version: 'TLS 1.2',
      supportedVersions: ['TLS 1.3'],
      cipherSuites: [4865],
      alpn: ['http/1.1'],
      ja3: '771,4865,,,',
      ja3Hash: '0'.repeat(32),
    };
    const ask = [{ sentAt: 1000, client: fakeClient() }];
    assert.deepEqual(deriveFigures([fakeAttempt({ clientHello: { ...hello, sni: 'localhost' } })], ask, undefined).sni, {
      sent: true,
      name: 'localhost',
    });
    assert.deepEqual(deriveFigures([fakeAttempt({ clientHello: { ...hello, sni: null } })], ask, undefined).sni, {
      sent: false,
      name: null,
    });
    assert.equal(deriveFigures([fakeAttempt()], ask, undefined).sni, null);
  });

  test('asked twice: an error served again without reaching the origin counts as re-used; one that reached it does not', () => {
    const asks = [
      { sentAt: 1000, client: fakeClient({ status: 503 }) },
      { sentAt: 2000, client: fakeClient({ status: 503 }) },
    ];
    const first = fakeAttempt({ connection: 1, requests: [fakeRequest(1010)] });
    const second = fakeAttempt({ connection: 2, startedAt: 2001, requests: [fakeRequest(2010)] });
    assert.deepEqual(splitByAsk([second, first], [1000, 2000]), [[first], [second]]);
    assert.deepEqual(deriveFigures([first], asks, undefined).repeat, {
      asks: 2,
      statuses: [503, 503],
      originTries: [1, 0],
      errorReused: true,
    });
    assert.deepEqual(deriveFigures([first, second], asks, undefined).repeat, {
      asks: 2,
      statuses: [503, 503],
      originTries: [1, 1],
      errorReused: false,
    });
    assert.equal(deriveFigures([first], asks, undefined).attempts, 1, 'counts are of the first ask');
    assert.equal(deriveFigures([first], asks.slice(0, 1), undefined).repeat, null);
  });
});

describe('verify: verdicts', () => {
  const expect = scenario('slow-first-byte').expect;

  test('without a profile nothing is judged; a null expectation means the intermediary cannot reach the listener', () => {
    assert.deepEqual(judge(null, expect, { client: fakeClient() }), { result: 'unjudged', reason: 'no --expect profile', checks: [] });
    const tlsOnly = { node: { code: null }, varnish: null };
    assert.match(judge('varnish', tlsOnly, { client: fakeClient() }).reason ?? '', /expect\.varnish is null/);
    assert.match(judge('cloudfront', tlsOnly, { client: fakeClient() }).reason ?? '', /no expect\.cloudfront/);
  });

  test('--expect cloudfront judges a TLS listener by the manifest: the farm CA 502 by default, its own outcome under tls-cert=user', () => {
    const manifest = plannedManifest(resolveSettings({ basePort: 9400, certsDir: '/tmp/unused-certs' }));
    const listener = (id: string) => manifest.listeners.find((l) => l.id === id)!.expect;
    const error = fakeClient({ status: 502, headers: { 'x-cache': 'Error from cloudfront' } });
    for (const id of ['http-ok-tls', 'slow-first-byte-tls', 'h2-ok']) {
      const verdict = judge('cloudfront', listener(id), { client: error });
      assert.equal(verdict.result, 'match', id);
      assert.equal(verdict.setting, 'tls-cert=farm (default)', id);
    }
    const slow = judge('cloudfront', listener('slow-first-byte-tls'), { client: fakeClient({ status: 504 }) }, { 'tls-cert': 'user' });
    assert.equal(slow.result, 'match');
    assert.equal(judge('cloudfront', listener('http-ok'), { client: error }).result, 'unjudged', 'no TLS: no farm CA 502');
  });

  test('the status is one of the listed values; anything else is a mismatch naming both', () => {
    assert.equal(judge('nginx', expect, { client: fakeClient({ status: 504 }) }).result, 'match');
    const wrong = judge('nginx', expect, { client: fakeClient({ status: 502 }) });
    assert.equal(wrong.result, 'mismatch');
    assert.deepEqual(
      wrong.checks.find((c) => c.field === 'status'),
      { field: 'status', expected: 504, observed: 502, result: 'mismatch' },
    );
    const either = { node: { code: null }, haproxy: { status: [502, 503], source: 'observed' } };
    assert.equal(judge('haproxy', either, { client: fakeClient({ status: 503 }) }).result, 'match');
    assert.equal(judge('haproxy', either, { client: fakeClient({ status: null, error: 'ECONNRESET' }) }).result, 'mismatch');
  });

  test("Fastly's error text is judged from X-Badorigin-Error when the client sees it, CloudFront's from X-Cache", () => {
    const seen = judge('fastly', expect, { client: fakeClient({ status: 503, headers: { 'x-badorigin-error': 'first byte timeout' } }) });
    assert.deepEqual([seen.result, seen.checks.map((c) => c.result)], ['match', ['match', 'match']]);
    const other = judge('fastly', expect, { client: fakeClient({ status: 503, headers: { 'x-badorigin-error': 'backend read error' } }) });
    assert.equal(other.result, 'mismatch');
    const unseen = judge('fastly', expect, { client: fakeClient({ status: 503 }) });
    assert.deepEqual([unseen.result, unseen.checks.map((c) => c.result)], ['match', ['match', 'unseen']]);
    const cf = {
      node: { code: null },
      cloudfront: { status: 502, xCache: 'Error from cloudfront', source: 'cloudfront-502-origin-connection' },
    };
    assert.equal(
      judge('cloudfront', cf, { client: fakeClient({ status: 502, headers: { 'x-cache': 'Hit from cloudfront' } }) }).result,
      'mismatch',
    );
    assert.equal(
      judge('cloudfront', cf, { client: fakeClient({ status: 502, headers: { 'x-cache': 'Error from cloudfront' } }) }).result,
      'match',
    );
  });

  test("a proxy's log line is judged only with its log; no line where one is expected is a mismatch", () => {
    const line = 'upstream timed out (110: Connection timed out) while reading response header from upstream';
    const client = fakeClient({ status: 504 });
    assert.deepEqual(judge('nginx', expect, { client }).checks.find((c) => c.field === 'log')?.result, 'unseen');
    assert.equal(judge('nginx', expect, { client, logLines: [line] }).result, 'match');
    assert.equal(judge('nginx', expect, { client, logLines: [] }).result, 'mismatch');
    const quiet = scenario('http-ok').expect;
    assert.equal(judge('nginx', quiet, { client: fakeClient({ status: 200 }), logLines: ['something'] }).result, 'mismatch');
  });

  test('expectationOf reads any profile by name, keeping only the fields verify can judge', () => {
    assert.deepEqual(expectationOf(expect, 'nginx'), {
      status: 504,
      log: 'upstream timed out (110: Connection timed out) while reading response header from upstream',
    });
    assert.deepEqual(expectationOf(expect, 'fastly'), { status: 503, response: 'first byte timeout' });
    assert.deepEqual(expectationOf(expect, 'cloudfront'), { status: 504 });
    assert.equal(expectationOf(expect, 'akamai-nonexistent'), undefined);
  });

  test('an expectation that depends on a CDN setting is judged under --setting, else under the default, and says which', () => {
    const expired = scenario('cert-expired').expect;
    assert.deepEqual(expectationOf(expired, 'cloudflare'), { status: 526, setting: 'ssl-mode=strict (default)' });
    assert.deepEqual(expectationOf(expired, 'cloudflare', { 'ssl-mode': 'full' }), { status: 200, setting: 'ssl-mode=full' });
    assert.deepEqual(expectationOf(expired, 'cloudflare', { 'ssl-mode': 'flexible' }), {
      status: 526,
      setting: 'ssl-mode=strict (default)',
    });
    const full = judge('cloudflare', expired, { client: fakeClient({ status: 200 }) }, { 'ssl-mode': 'full' });
    assert.equal(full.result, 'match');
    assert.equal(full.setting, 'ssl-mode=full');
    assert.equal(judge('cloudflare', expired, { client: fakeClient({ status: 200 }) }).result, 'mismatch');
  });

  test('the profiles are the reporters that cite a source: CDNs and proxies, not the reference clients', () => {
    const profiles = intermediaryProfiles();
    for (const p of ['fastly', 'cloudfront', 'nginx', 'haproxy', 'varnish']) assert.ok(profiles.includes(p), p);
    for (const c of ['node', 'curl', 'openssl', 'dig', 'gnutls']) assert.ok(!profiles.includes(c), c);
  });
});

describe('verify: proxy log attribution', () => {
  const probes = [
    { id: 'slow-first-byte', probe: 'slow-first-byte.aaaaaaaaaaaa' },
    { id: 'http-ok', probe: 'http-ok.bbbbbbbbbbbb' },
  ];

  test('nginx lines by the probe in the request path, stripped as the manifest writes them', () => {
    const log = [
      '2026/01/01 00:00:00 [error] 12#12: *3 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /slow-first-byte/__probe/slow-first-byte.aaaaaaaaaaaa/ HTTP/1.1", upstream: "http://127.0.0.1:9462/slow-first-byte/__probe/slow-first-byte.aaaaaaaaaaaa/", host: "127.0.0.1:8080"',
      '2026/01/01 00:00:00 [error] 12#12: *4 something else, client: 127.0.0.1, server: , request: "GET /slow-first-byte/ HTTP/1.1", host: "x"',
    ].join('\n');
    const lines = attributeLog('nginx', log, probes);
    assert.deepEqual(lines.get('slow-first-byte'), [
      'upstream timed out (110: Connection timed out) while reading response header from upstream',
    ]);
    assert.deepEqual(lines.get('http-ok'), []);
  });

  test('HAProxy lines by backend, Varnish FetchErrors by URL, other profiles by the probe id anywhere in the line', () => {
    assert.deepEqual(attributeLog('haproxy', 'slow-first-byte 504 sH-- ssl_bc_err=- -\nother 200 ----\n', probes).get('slow-first-byte'), [
      '504 sH-- ssl_bc_err=- -',
    ]);
    const varnish =
      '*   << Request  >> 5\n-   ReqURL         /slow-first-byte/__probe/slow-first-byte.aaaaaaaaaaaa/\n--  FetchError     first byte timeout\n\n';
    assert.deepEqual(attributeLog('varnish', varnish, probes).get('slow-first-byte'), ['first byte timeout']);
    assert.deepEqual(attributeLog('fastly', 'x http-ok.bbbbbbbbbbbb y\nz\n', probes).get('http-ok'), ['x http-ok.bbbbbbbbbbbb y']);
  });

  test('the HTTP/2 upstream profiles read the log of their proxy: HAProxy, nginx, Caddy JSON, Apache error log', () => {
    const haproxy = 'slow-first-byte 502 SH-- ssl_bc_err=- -\n';
    assert.deepEqual(
      ['haproxyH2', 'haproxyH2c'].map((profile) => attributeLog(profile, haproxy, probes).get('slow-first-byte')),
      [['502 SH-- ssl_bc_err=- -'], ['502 SH-- ssl_bc_err=- -']],
    );
    const nginx =
      '2026/01/01 00:00:00 [error] 12#12: *3 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /slow-first-byte/__probe/slow-first-byte.aaaaaaaaaaaa/ HTTP/1.1", upstream: "grpcs://127.0.0.1:1/", host: "x"';
    assert.deepEqual(attributeLog('nginxGrpc', nginx, probes).get('slow-first-byte'), [
      'upstream prematurely closed connection while reading response header from upstream',
    ]);
    const caddy = [
      JSON.stringify({
        level: 'error',
        logger: 'http.log.error',
        msg: 'unexpected EOF',
        request: { uri: '/slow-first-byte/__probe/slow-first-byte.aaaaaaaaaaaa/' },
        error: 'unexpected EOF',
      }),
      JSON.stringify({
        level: 'info',
        logger: 'http.log.access',
        msg: 'handled request',
        request: { uri: '/slow-first-byte/__probe/slow-first-byte.aaaaaaaaaaaa/' },
      }),
      'not json',
    ].join('\n');
    assert.deepEqual(attributeLog('caddyH2', caddy, probes).get('slow-first-byte'), ['unexpected EOF']);
    const apache =
      '[Wed Dec 02 17:00:00.000000 2026] [proxy_http2:error] [pid 7:tid 8] [client 127.0.0.1:5] AH10001: h2c://127.0.0.1:1/__probe/slow-first-byte.aaaaaaaaaaaa/ failed\n';
    assert.deepEqual(attributeLog('apacheH2c', apache, probes).get('slow-first-byte'), [
      'AH10001: h2c://127.0.0.1:1/__probe/slow-first-byte.aaaaaaaaaaaa/ failed',
    ]);
  });

  test("every proxy profile of the scenario schema reads its proxy's log; the CDNs fall back to the probe id", () => {
    const proxies = intermediaryProfiles().filter((p) => /^(nginx|haproxy|varnish|caddy|apache)/.test(p));
    assert.deepEqual(
      proxies.filter((p) => !(p in LOG_KIND_OF_PROFILE)),
      [],
    );
  });
});

describe('verify: report formats', () => {
  const mismatch = fakeListenerReport({
    id: 'cert-expired',
    verdict: { result: 'mismatch', checks: [{ field: 'status', expected: 502, observed: 200, result: 'mismatch' }] },
    asks: [
      {
        sentAt: 1000,
        client: fakeClient({ status: 200, bodyStart: 'a <b> & "c"' }),
        attempts: [fakeAttempt({ listener: 'cert-expired' })],
      },
    ],
  });
  const matched = fakeListenerReport({
    verdict: { result: 'match', checks: [{ field: 'status', expected: 504, observed: 504, result: 'match' }] },
  });
  const skipped = fakeListenerReport({
    id: 'tls-ok',
    verdict: { result: 'unjudged', reason: 'expect.varnish is null: varnish cannot reach this listener', checks: [] },
  });
  const report = fakeReport([mismatch, matched, skipped], 'nginx');

  test('JUnit: one testcase per listener, the mismatch as a failure listing its checks, the unjudged one skipped', () => {
    const xml = renderJunit(report);
    assert.equal(xml.match(/<testcase /g)?.length, 3);
    assert.match(
      xml,
      /<testsuite name="badorigin verify --expect nginx via http:\/\/127\.0\.0\.1:8080" tests="3" failures="1" errors="0" skipped="1"/,
    );
    assert.match(
      xml,
      /<testcase classname="badorigin\.verify\.nginx" name="cert-expired"[^>]*>\n {6}<failure type="mismatch" message="status: expected 502, observed 200">/,
    );
    assert.match(xml, /name="tls-ok"[^>]*>\n {6}<skipped message="expect\.varnish is null/);
    assert.doesNotMatch(xml.replace(/<[^>]*>/g, ''), /[<>]/, 'no unescaped markup in text');
  });

  test('Markdown: the run, one row per listener, the details of each mismatch', () => {
    const md = renderMarkdown(report);
    assert.match(md, /^# badorigin verify --expect nginx\n/);
    assert.match(md, /- result: 3 listeners, 1 matched, 1 mismatched, 1 not judged/);
    assert.match(md, /\| cert-expired \| 200 \| 0 \| – \| – \| MISMATCH \|/);
    assert.match(md, /## Mismatches\n\n### cert-expired: MISMATCH\n/);
    assert.match(md, /- mismatch: status: expected 502, observed 200/);
    assert.doesNotMatch(md, /### slow-first-byte/, 'a matched listener has no details');
    assert.doesNotMatch(md, /Proxy log/, 'no log column without log lines');
  });

  test('Markdown as a section (level 2), with a proxy log column when the report has log lines', () => {
    const logged = fakeReport([{ ...mismatch, logLines: ['upstream SSL certificate verify error'] }, matched], 'nginx');
    const md = renderMarkdown(logged, { level: 2 });
    assert.match(md, /^## badorigin verify --expect nginx\n/);
    assert.match(md, /### Mismatches\n\n#### cert-expired: MISMATCH\n/);
    assert.match(md, /\| Listener \| Client saw \| Origin attempts \| Applied timeout \| SNI \| Proxy log \| Verdict \|/);
    assert.match(md, /\| cert-expired \| 200 \| 0 \| – \| – \| `upstream SSL certificate verify error` \| MISMATCH \|/);
    assert.match(md, /\| slow-first-byte \| .* \| – \| match \|/);
  });

  test('terminal table: every listener and the summary line', () => {
    const text = renderTable(report);
    for (const id of ['cert-expired', 'slow-first-byte', 'tls-ok']) assert.ok(text.includes(id), id);
    assert.match(text, /status: expected 502, observed 200/);
    assert.match(text, /3 listeners: 1 matched, 1 mismatched, 1 not judged\n$/);
  });

  test('schema/verify-report.schema.json is the TypeBox schema (regenerate: VERIFY_WRITE_SCHEMA=1) and checks a report', async () => {
    const file = packagePath('schema/verify-report.schema.json');
    if (process.env.VERIFY_WRITE_SCHEMA === '1') (await import('node:fs')).writeFileSync(file, verifyReportSchemaText());
    assert.equal(
      readFileSync(file, 'utf8'),
      verifyReportSchemaText(),
      'stale: run VERIFY_WRITE_SCHEMA=1 node --import tsx --test test/verify-unit.test.ts',
    );
    const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(file, 'utf8')));
    assert.ok(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors));
    assert.equal(validate({ ...report, format: 'badorigin-verify-report/0' }), false);
    assert.equal(validate({ ...report, listeners: [{ ...mismatch, asks: [] }] }), false);
  });
});
