import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../src/catalogue.js';
import { curlArgs } from '../src/client-commands.js';
import { nodeObserve } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { FrameReader } from '../src/h2/frame-reader.js';
import { CLIENT_PREFACE, ERROR_CODE, FRAME, encodeFrameHeader, frame, headersFrames, settingsFrame } from '../src/h2/frames.js';
import { HeaderEncoder } from '../src/h2/hpack.js';
import { matchesNodeExpectation } from '../src/probe.js';
import { useFarm } from './helpers/farm.js';
import { h2Exchange } from './helpers/h2-raw.js';
import { requireTool } from './helpers/tools.js';

const HTTP2_IDS = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'http2')
  .map((entry) => entry.scenario.id);

/** The GOAWAY error code in what a server sent after the preface exchange, or null when it sent none. */
function goawayCode(received: Buffer): number | null {
  const result = new FrameReader({ expectPreface: false, maxFrameSize: 1 << 20 }).push(received);
  const goaway = result.ok ? result.frames.find((f) => f.type === FRAME.GOAWAY) : undefined;
  return goaway ? goaway.payload.readUInt32BE(4) : null;
}

const request = (streamId = 1) =>
  headersFrames(
    streamId,
    new HeaderEncoder().encode([
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: 'https' },
      { name: ':path', value: '/' },
      { name: ':authority', value: 'localhost' },
    ]),
    true,
  );

describe('HTTP/2 listeners', () => {
  const fixture = useFarm({ only: HTTP2_IDS, controlPort: null });

  test('the http2 family has its listeners', () => {
    assert.ok(HTTP2_IDS.includes('h2-ok') && HTTP2_IDS.length >= 10, HTTP2_IDS.join(' '));
  });

  test('Node (node:http2), curl and nghttp see expect.node, expect.curl and expect.nghttp on every HTTP/2 listener', async (t) => {
    if (!requireTool(t, 'curl') || !requireTool(t, 'nghttp')) return;
    const { manifest } = fixture.farm;
    const problems: string[] = [];
    // One listener at a time: thirty clients at once on a shared machine time out on their own.
    for (const l of manifest.listeners) {
      const [node, curl, nghttp] = await Promise.all([
        nodeObserve(manifest, l),
        runClient(curlArgs(manifest, l)),
        runClient(['nghttp', '-nv', '-t', '5', `https://${l.connect.sni}:${l.port}/`]),
      ]);
      const found: string[] = [];
      if (!matchesNodeExpectation(l.expect.node, node))
        found.push(`node: expected ${JSON.stringify(l.expect.node)}, observed ${JSON.stringify(node)}`);
      if (![l.expect.curl!.exit].flat().includes(curl.exit!))
        found.push(`curl: expected ${JSON.stringify(l.expect.curl)}, got ${curl.exit}: ${curl.stderr.trim()}`);
      const expected = l.expect.nghttp!;
      const output = nghttp.stdout + nghttp.stderr;
      const missing = (expected.output ?? []).filter((text) => !output.includes(text));
      if (nghttp.exit !== expected.exit || missing.length) found.push(`nghttp: exit ${nghttp.exit}, missing ${JSON.stringify(missing)}`);
      problems.push(...found.map((p) => `${l.id}: ${p}`));
    }
    assert.deepEqual(problems, []);
  });

  test('curl --http2 gets the 200 over HTTP/2 from h2-ok, and the answer names the listener', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const l = fixture.listener('h2-ok');
    const result = await runClient([...curlArgs(fixture.farm.manifest, l).filter((a) => a !== '/dev/null' && a !== '-o'), '--http2', '-i']);
    assert.equal(result.exit, 0, result.stderr);
    assert.match(result.stdout, /^HTTP\/2 200/);
    assert.match(result.stdout, /cache-control: public, max-age=60/);
    assert.match(result.stdout, /x-badorigin-scenario: h2-ok/);
  });
});

describe('HTTP/2 robustness: malformed input ends that connection only', () => {
  const fixture = useFarm({ only: ['h2-ok'], controlPort: null });
  const withPreface = (...frames: Buffer[]) => Buffer.concat([CLIENT_PREFACE, settingsFrame(), ...frames]);
  const cases: [string, Buffer, number][] = [
    ['an HTTP/1.1 request instead of the preface', Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'), ERROR_CODE.PROTOCOL_ERROR],
    ['garbage after the preface', Buffer.concat([CLIENT_PREFACE, Buffer.alloc(64, 0xff)]), ERROR_CODE.FRAME_SIZE_ERROR],
    [
      'a frame header announcing 16 MiB',
      withPreface(encodeFrameHeader({ length: 0xffffff, type: FRAME.DATA, flags: 0, streamId: 1 })),
      ERROR_CODE.FRAME_SIZE_ERROR,
    ],
    [
      'a header block that does not decode',
      withPreface(frame(FRAME.HEADERS, 0x5, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]))),
      ERROR_CODE.COMPRESSION_ERROR,
    ],
    ['CONTINUATION without HEADERS', withPreface(frame(FRAME.CONTINUATION, 0x4, 1, Buffer.from([0x82]))), ERROR_CODE.PROTOCOL_ERROR],
    ['HEADERS on stream 0', withPreface(frame(FRAME.HEADERS, 0x5, 0, Buffer.from([0x82]))), ERROR_CODE.PROTOCOL_ERROR],
    ['a SETTINGS frame of 5 bytes', withPreface(frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(5))), ERROR_CODE.FRAME_SIZE_ERROR],
    [
      'a header block past --max-header-bytes in CONTINUATION frames',
      withPreface(headersFrames(1, Buffer.alloc(40_000, 0x40), true)),
      ERROR_CODE.ENHANCE_YOUR_CALM,
    ],
  ];
  for (const [name, bytes, code] of cases) {
    test(`${name}: GOAWAY ${code} and close`, async () => {
      const result = await h2Exchange(fixture.listener('h2-ok').port, bytes);
      assert.equal(result.alpn, 'h2');
      assert.ok(result.closed, 'the farm closed the connection');
      assert.equal(goawayCode(result.received), code);
    });
  }

  test('after all that, h2-ok still answers a well-formed request', async () => {
    const result = await h2Exchange(fixture.listener('h2-ok').port, withPreface(request()), 1500);
    const parsed = new FrameReader({ expectPreface: false }).push(result.received);
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.frames.filter((f) => f.streamId === 1).map((f) => f.type),
      [FRAME.HEADERS, FRAME.DATA],
    );
  });
});

describe('HTTP/2 listeners in cleartext (h2c with prior knowledge, on the same port)', () => {
  const fixture = useFarm({
    only: ['h2-ok', 'h2-rst-refused-stream', 'h2-rst-internal-error', 'h2-bad-hpack', 'alpn-h2-speaks-http1'],
    controlPort: null,
  });
  const url = (id: string) => `http://127.0.0.1:${fixture.listener(id).port}/`;

  test('curl --http2-prior-knowledge sees what it sees over TLS', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const curl = (id: string) =>
      runClient([
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_version} %{http_code}',
        '--max-time',
        '5',
        '--http2-prior-knowledge',
        url(id),
      ]);
    const ok = await curl('h2-ok');
    assert.deepEqual([ok.exit, ok.stdout], [0, '2 200']);
    for (const id of ['h2-rst-internal-error', 'h2-bad-hpack', 'alpn-h2-speaks-http1']) {
      const result = await curl(id);
      assert.equal(result.exit, fixture.listener(id).expect.curl!.exit, `${id}: ${result.stderr}`);
    }
  });

  test('nghttp over http:// sees the RST_STREAM code', async (t) => {
    if (!requireTool(t, 'nghttp')) return;
    const result = await runClient(['nghttp', '-nv', '-t', '5', url('h2-rst-refused-stream')]);
    assert.match(result.stdout, /\(error_code=REFUSED_STREAM\(0x07\)\)/);
  });

  test('node:http2 over http:// sees the RST_STREAM code', async () => {
    const session = connect(url('h2-rst-refused-stream'));
    try {
      const code = await new Promise<string>((resolve) => {
        const stream = session.request({ ':path': '/' });
        stream.on('error', (error: NodeJS.ErrnoException) => resolve(`${error.code} ${error.message}`));
        stream.on('close', () => resolve(`closed ${stream.rstCode}`));
        stream.resume();
      });
      assert.equal(code, 'ERR_HTTP2_STREAM_ERROR Stream closed with error code NGHTTP2_REFUSED_STREAM');
    } finally {
      session.destroy();
    }
  });
});
