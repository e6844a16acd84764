import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSeedHellos } from '../scripts/fuzz/hello-seeds.js';
import { helloInput } from '../scripts/fuzz/hello-inputs.js';
import { httpInput } from '../scripts/fuzz/http-inputs.js';
import { specInput } from '../scripts/fuzz/spec-inputs.js';
import { inputRng } from '../scripts/fuzz/random.js';
import { formatReport, runFuzz } from '../scripts/fuzz/run.js';
import { parseClientHelloRecord } from '../src/tls/client-hello.js';

// CI's short version of `npm run fuzz`: the same code, 20,000 ClientHello and HTTP inputs, 600 HTTP/2 inputs, 300
// crafted fault specs and 100 scenario documents.

describe('fuzz inputs', () => {
  test('input i of a seed is the same on every run, and another index or seed gives another input', () => {
    const seeds = loadSeedHellos();
    const bytes = (seed: number, i: number) => Buffer.concat(helloInput(seeds, inputRng(seed, 'hello', i)).chunks).toString('hex');
    for (let i = 0; i < 200; i++) assert.equal(bytes(7, i), bytes(7, i));
    assert.equal(
      Buffer.concat(httpInput(inputRng(7, 'http', 3)).chunks).toString('hex'),
      Buffer.concat(httpInput(inputRng(7, 'http', 3)).chunks).toString('hex'),
    );
    assert.equal(
      Buffer.concat(specInput(inputRng(7, 'spec', 3)).chunks).toString('hex'),
      Buffer.concat(specInput(inputRng(7, 'spec', 3)).chunks).toString('hex'),
    );
    const distinct = new Set(Array.from({ length: 200 }, (_, i) => bytes(7, i)));
    assert.ok(distinct.size > 190, `${distinct.size} distinct inputs of 200`);
    assert.notEqual(bytes(7, 1), bytes(8, 1));
  });

  test("the seeds are real clients' ClientHellos, and the mutations reach the parser both ways", () => {
    const seeds = loadSeedHellos();
    assert.ok(
      seeds.some((s) => s.client.startsWith('openssl')) &&
        seeds.some((s) => s.client.startsWith('node')) &&
        seeds.some((s) => s.client.startsWith('gnutls')),
    );
    const results = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 5000; i++) {
      const input = helloInput(seeds, inputRng(1, 'hello', i));
      results[parseClientHelloRecord(Buffer.concat(input.chunks)).ok ? 'parsed' : 'rejected']++;
    }
    // Most inputs are malformed, but a real share still parses (field-level mutations keep lengths consistent).
    assert.ok(results.parsed > 500 && results.rejected > 2500, JSON.stringify(results));
  });
});

describe('fuzz run against a whole farm in its own process', () => {
  test('16,000 ClientHellos, 4,000 HTTP, 600 HTTP/2 inputs, 300 specs and 100 scenario documents: zero crashes, every connection counted and closed, every listener passes the probe', {
    timeout: 240_000,
  }, async () => {
    const report = await runFuzz({
      hellos: 16_000,
      http: 4_000,
      h2: 600,
      seed: 0x5eed,
      concurrency: 128,
      deadlineMs: 1000,
      httpOverTlsShare: 0.1,
      h2OverTlsShare: 0.3,
      h2Concurrency: 16,
      specs: 300,
      scenarios: 100,
    });
    console.log(formatReport(report));
    assert.deepEqual(report.failures, []);
    assert.equal(report.hellos.sent + report.http.sent + report.h2.sent + report.specs.sent, 20_900);
    assert.ok(report.farm.alive);
    assert.ok(report.farm.connectionsCounted >= 20_900, `farm counted ${report.farm.connectionsCounted}`);
    assert.equal(report.probe.passed, report.farm.listeners);
    // The inputs reached the farm's TLS and HTTP code: alerts of several kinds, 400s, and handshakes that went on.
    const alerts = Object.keys(report.hellos.outcomes).filter((k) => k.startsWith('alert-'));
    assert.ok(alerts.length >= 4, `alerts seen: ${alerts.join(', ')}`);
    assert.ok((report.hellos.outcomes.handshake ?? 0) > 0);
    assert.ok((report.http.outcomes['http-400'] ?? 0) > 200, JSON.stringify(report.http.outcomes));
    // The HTTP/2 inputs went both ways (h2c and TLS with ALPN h2) and reached the frame layer: connection errors of
    // several kinds, and requests that were answered.
    assert.ok(
      (report.h2.targetKinds['http2+h2c'] ?? 0) > 0 && (report.h2.targetKinds['http2+alpn-h2'] ?? 0) > 0,
      JSON.stringify(report.h2.targetKinds),
    );
    const goaways = Object.keys(report.h2.outcomes).filter((k) => k.startsWith('h2-goaway-'));
    assert.ok(goaways.length >= 2, JSON.stringify(report.h2.outcomes));
    assert.ok((report.h2.outcomes['h2-headers'] ?? 0) > 0, JSON.stringify(report.h2.outcomes));
    // The specs reached the parser (400s naming a column) and the writer (responses as specified); the scenario
    // documents reached the schema (400s) and started listeners that were then removed.
    assert.ok(
      (report.specs.outcomes['http-400'] ?? 0) > 100 && (report.specs.outcomes['http-200'] ?? 0) > 0,
      JSON.stringify(report.specs.outcomes),
    );
    assert.equal(report.scenarios.sent, 100);
    assert.ok(
      (report.scenarios.outcomes['post-201'] ?? 0) > 0 && (report.scenarios.outcomes['post-400'] ?? 0) > 0,
      JSON.stringify(report.scenarios.outcomes),
    );
    assert.equal(report.scenarios.leftBehind, 0);
  });
});
