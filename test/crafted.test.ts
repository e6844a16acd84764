import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { runClient } from '../src/clients/run-client.js';
import { CRAFTED_GRAMMAR } from '../src/listeners/http/crafted/grammar.js';
import { useFarm } from './helpers/farm.js';
import { curlFor, parseCurl, rawExchange } from './helpers/http-faults.js';
import { requireTool } from './helpers/tools.js';

/** The request line and head of a GET of `path`, with `extra` header lines. */
const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;
/** The spec in the path after /crafted/, percent-encoded. */
const inPath = (spec: string): string => `/crafted/${encodeURIComponent(spec)}`;

/** Existing faults and the crafted spec that reproduces each, byte for byte (docs/crafted.md lists the same). */
const REPRODUCTIONS: { listener: string; query?: string; spec: string; waitMs?: number }[] = [
  {
    listener: 'truncated-body',
    spec: 's200,h(Content-Type:application/octet-stream),cl1m,h(Cache-Control:no-store),h(X-Badorigin-Scenario:truncated-body),b1k',
  },
  {
    listener: 'bad-chunked',
    spec:
      's200,h(Content-Type:text/plain),h(Transfer-Encoding:chunked),h(Cache-Control:no-store),h(X-Badorigin-Scenario:bad-chunked),' +
      'k(badorigin chunk\\n),b(zz\\r\\nthis is not a chunk\\r\\n0\\r\\n\\r\\n)',
  },
  {
    listener: 'bad-chunked',
    query: '?variant=missing-crlf',
    spec:
      's200,h(Content-Type:text/plain),h(Transfer-Encoding:chunked),h(Cache-Control:no-store),h(X-Badorigin-Scenario:bad-chunked),' +
      'k(badorigin chunk\\n),b(8\\r\\nno crlf!XYZ0\\r\\n\\r\\n)',
  },
  {
    listener: 'conflicting-content-length',
    spec: 's200,h(Content-Type:text/plain),cl16,cl32,h(X-Badorigin-Scenario:conflicting-content-length),h(Connection:close),b32',
  },
  {
    listener: 'malformed-status-line',
    spec: 'l(HTTP/1.1 2OO OK),h(Content-Type:text/plain),cl,h(Connection:close),b(badorigin malformed-status-line\\n)',
  },
  {
    listener: 'garbage-response',
    spec: 'nohead,b(SSH-2.0-OpenSSH_9.2 badorigin\\r\\n\\x00\\x01\\x02\\xff\\xfe garbage, not HTTP\\r\\n\\r\\n)',
  },
  {
    listener: 'oversized-body',
    query: '?size=300000&encoding=chunked',
    spec:
      's200,h(Content-Type:application/octet-stream),h(Transfer-Encoding:chunked),h(Cache-Control:no-store),' +
      'h(X-Badorigin-Scenario:oversized-body),h(Connection:close),k300000,k0',
  },
  { listener: 'reset-mid-response', spec: 's200,h(Content-Type:application/octet-stream),cl1m,b1k,r' },
  {
    listener: 'stall-mid-body',
    spec: 's200,h(Content-Type:application/octet-stream),cl1m,h(Cache-Control:no-store),h(X-Badorigin-Scenario:stall-mid-body),b1k,p1k:hold',
    waitMs: 700,
  },
];

describe('crafted: the response the request describes', () => {
  const fixture = useFarm({ only: ['crafted', ...new Set(REPRODUCTIONS.map((r) => r.listener))], controlPort: null });
  const port = (id: string) => fixture.listener(id).port;

  // The first spec generates the parser, which holds the farm's event loop for a moment; this test's clients run on
  // the same loop, and one held there can read a reset as a FIN (the kernel reports the error once): warm it first.
  before(async () => {
    assert.equal((await rawExchange(port('crafted'), get(inPath('s204')))).data.toString('latin1'), 'HTTP/1.1 204 No Content\r\n\r\n');
  });

  test('each reproduced fault: the same bytes and the same ending on the wire, spec in the path or in X-Badorigin-Fault', async () => {
    await Promise.all(
      REPRODUCTIONS.map(async ({ listener, query = '', spec, waitMs = 5000 }, i) => {
        const [original, viaPath, viaHeader] = await Promise.all([
          rawExchange(port(listener), get(`/${query}`), waitMs),
          rawExchange(port('crafted'), get(inPath(spec)), waitMs),
          rawExchange(port('crafted'), get('/', `X-Badorigin-Fault: ${spec}\r\n`), waitMs),
        ]);
        assert.ok(original.data.length > 0, `${listener} sent something`);
        for (const crafted of [viaPath, viaHeader]) {
          assert.equal(crafted.data.toString('latin1'), original.data.toString('latin1'), `${listener} #${i}: bytes`);
          assert.equal(crafted.closed, original.closed, `${listener} #${i}: ending`);
        }
      }),
    );
  });

  test('curl over crafted and crafted-tls: the exit codes of the faults reproduced', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const manifest = fixture.farm.manifest;
    const cases = [
      { spec: 's200,cl1m,b1k', exit: 18 }, // truncated-body
      { spec: 's200,h(Content-Type:application/octet-stream),cl1m,b1k,r', exit: 56 }, // reset-mid-response
      { spec: 's200,cl,b1m,r600k', exit: 56 },
      { spec: 'l(HTTP/1.1 2OO OK),cl,b(x)', exit: 1 }, // malformed-status-line
      { spec: 's503,h(Vary:*),cl,b(down\\n)', exit: 0 },
    ];
    for (const id of ['crafted', 'crafted-tls']) {
      const listener = fixture.listener(id);
      const seen = await Promise.all(cases.map(({ spec }) => runClient(curlFor(manifest, listener, inPath(spec)))));
      assert.deepEqual(
        seen.map((r) => parseCurl(r).exit),
        cases.map((c) => c.exit),
        `${id}: ${seen.map((r) => r.stderr.trim()).join(' | ')}`,
      );
    }
  });

  test('a pause then a close: curl waits, then sees the body end short (exit 18)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const started = performance.now();
    const seen = parseCurl(
      await runClient(curlFor(fixture.farm.manifest, fixture.listener('crafted'), inPath('s200,cl,b2k,p1k:400ms,c1k'))),
    );
    const ms = performance.now() - started;
    assert.equal(seen.exit, 18, seen.stderr);
    assert.equal(seen.sizeDownload, 1024);
    assert.ok(seen.starttransfer < 0.3, `first byte at once (${seen.starttransfer} s)`);
    assert.ok(ms >= 400 && ms < 5000, `closed after the pause (${Math.round(ms)} ms)`);
  });

  test('no spec: a plain 200 that says how to ask', async () => {
    const { data, closed } = await rawExchange(port('crafted'), get('/'));
    const text = data.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /no fault spec; send one as \/crafted\/<spec> or in X-Badorigin-Fault\n$/);
    assert.equal(closed, 'fin');
  });

  test('a malformed or over-cap spec: 400, one line naming the column', async () => {
    const cases: [string, RegExp][] = [
      ['s50x', /in the path, column 4: Expected \[0-9\] but "x" found\.$/],
      ['b1m,q', /in the path, column 5: Expected "b", .* but "q" found\.$/],
      ['h(Vary:*', /column 9: Expected "\)" or character or escape but end of input found\.$/],
      ['s200,cl,b1k,p2k:1s', /column 13: offset 2048 is past the end of the 1024-byte body$/],
      ['b2t', /column 1: the body passes the farm's cap of 1099511627776 bytes$/],
      ['s200,d9m,p0:2m', /column 10: pauses of more than the farm's max hold of 600000 ms in all \(--max-hold-ms\)$/],
      ['s200,h(NoColon)', /column 6: h\(\.\.\.\) takes name:value \(hr\(\.\.\.\) writes a line as is\)$/],
      ['s200,b1k,c,r', /column 12: a second end \(c, r or p<offset>:hold\) after the one at column 10$/],
      ['nohead,s200', /column 8: nohead \(column 1\) leaves no head for this$/],
      ['k1*60000,k1*60000,k0', /column 10: more than the farm's cap of 100000 chunks$/],
      ['b(x)*0', /column 1: a repetition must be from 1 to the farm's cap of 100000$/],
    ];
    const seen = await Promise.all(cases.map(([spec]) => rawExchange(port('crafted'), get(inPath(spec)))));
    cases.forEach(([spec, expected], i) => {
      const text = seen[i]!.data.toString('latin1');
      assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/, spec);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      assert.equal(body.split('\n').length, 2, `${spec}: one line`);
      assert.match(body.trimEnd(), expected, spec);
    });
    const header = await rawExchange(port('crafted'), get('/crafted/s200', 'X-Badorigin-Fault: s200,b1k,p1k\r\n'));
    assert.match(header.data.toString('latin1'), /bad fault spec in the header, column 13: Expected ":" but end of input found\.\n$/);
  });

  test('docs/crafted.md shows the grammar the parser is generated from', () => {
    const docs = readFileSync(new URL('../docs/crafted.md', import.meta.url), 'utf8');
    assert.ok(docs.includes(CRAFTED_GRAMMAR.trim()), 'the grammar block of docs/crafted.md differs from CRAFTED_GRAMMAR');
  });
});
