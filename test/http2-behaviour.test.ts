import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { describe, test } from 'node:test';
import { curlArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { FrameReader } from '../src/h2/frame-reader.js';
import { CLIENT_PREFACE, ERROR_CODE, FRAME, headersFrames, settingsFrame } from '../src/h2/frames.js';
import { HeaderEncoder } from '../src/h2/hpack.js';
import { useFarm } from './helpers/farm.js';
import { h2Exchange } from './helpers/h2-raw.js';
import { requireTool } from './helpers/tools.js';

// What the HTTP/2 faults do to clients that go further than one GET: a body, a PING, a second stream, a reused
// connection, gRPC trailers.
describe('HTTP/2 faults beyond one GET', () => {
  const fixture = useFarm({
    only: ['h2-ok', 'h2-flow-control-stall', 'h2-ping-unanswered', 'h2-max-concurrent-streams-1', 'h2-idle-close', 'grpc-error-status'],
    controlPort: null,
  });
  const session = (id: string): ClientHttp2Session => {
    const l = fixture.listener(id);
    return connect(`https://localhost:${l.port}`, { ca: readFileSync(fixture.farm.manifest.trust.rootCaFile, 'utf8') });
  };
  const get = (s: ClientHttp2Session) =>
    new Promise<{ status: number; trailers: Record<string, unknown> }>((resolve, reject) => {
      const stream = s.request({ ':path': '/' });
      let status = 0;
      let trailers: Record<string, unknown> = {};
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('error', reject);
      stream.resume();
      stream.on('end', () => resolve({ status, trailers }));
    });

  test('h2-flow-control-stall: curl sending a 1 MiB request body times out, while a GET gets the 200', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const argv = curlArgs(fixture.farm.manifest, fixture.listener('h2-flow-control-stall')).map((a) => (a === '5' ? '3' : a));
    const post = await runClient([...argv, '--http2', '--data-binary', '@-'], 8000, 'b'.repeat(1024 * 1024));
    assert.equal(post.exit, 28, post.stderr);
    assert.equal((await runClient([...argv, '--http2'])).exit, 0);
  });

  test('h2-ping-unanswered: a PING gets no ACK, where h2-ok answers one', async () => {
    const ping = (s: ClientHttp2Session) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2000);
        s.once('connect', () => s.ping((error) => (clearTimeout(timer), resolve(!error))));
      });
    const [control, fault] = [session('h2-ok'), session('h2-ping-unanswered')];
    try {
      assert.deepEqual(await Promise.all([ping(control), ping(fault)]), [true, false]);
    } finally {
      control.destroy();
      fault.destroy();
    }
  });

  test('h2-max-concurrent-streams-1: a second stream opened meanwhile gets RST_STREAM REFUSED_STREAM, the first the 200', async () => {
    const encoder = new HeaderEncoder();
    const head = [
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: 'https' },
      { name: ':path', value: '/' },
      { name: ':authority', value: 'localhost' },
    ];
    const bytes = Buffer.concat([
      CLIENT_PREFACE,
      settingsFrame(),
      headersFrames(1, encoder.encode(head), true),
      headersFrames(3, encoder.encode(head), true),
    ]);
    const { received } = await h2Exchange(fixture.listener('h2-max-concurrent-streams-1').port, bytes, 1500);
    const result = new FrameReader({ expectPreface: false }).push(received);
    assert.ok(result.ok);
    const rst = result.frames.find((f) => f.type === FRAME.RST_STREAM);
    assert.deepEqual(rst && [rst.streamId, rst.payload.readUInt32BE(0)], [3, ERROR_CODE.REFUSED_STREAM]);
    assert.deepEqual(
      result.frames.filter((f) => f.streamId === 1).map((f) => f.type),
      [FRAME.HEADERS, FRAME.DATA],
    );
  });

  test('h2-max-concurrent-streams-1: nghttp -m 2 sends both requests before the SETTINGS arrive; the second is refused', async (t) => {
    if (!requireTool(t, 'nghttp')) return;
    const result = await runClient([
      'nghttp',
      '-nv',
      '-m',
      '2',
      '-t',
      '5',
      `https://localhost:${fixture.listener('h2-max-concurrent-streams-1').port}/`,
    ]);
    assert.equal(result.stdout.match(/:status: 200/g)?.length, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /recv RST_STREAM frame <length=4, flags=0x00, stream_id=15>\n\s+\(error_code=REFUSED_STREAM\(0x07\)\)/);
  });

  test('h2-idle-close: the connection closes after the response without a GOAWAY', async () => {
    const s = session('h2-idle-close');
    let goaway = false;
    s.on('goaway', () => (goaway = true));
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    s.on('error', () => {});
    assert.equal((await get(s)).status, 200);
    await closed;
    assert.equal(goaway, false);
  });

  test('grpc-error-status: HTTP 200, and the trailers carry grpc-status 14', async () => {
    const s = session('grpc-error-status');
    try {
      const { status, trailers } = await get(s);
      assert.equal(status, 200);
      assert.equal(trailers['grpc-status'], '14');
    } finally {
      s.destroy();
    }
  });
});

describe('h2-ok reads request bodies larger than the initial window', () => {
  const fixture = useFarm({ only: ['h2-ok'], controlPort: null });

  test('curl POSTs 1 MiB over HTTP/2 and gets the 200: the server opens the windows as it reads', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const result = await runClient(
      [...curlArgs(fixture.farm.manifest, fixture.listener('h2-ok')), '--http2', '--data-binary', '@-'],
      10_000,
      'b'.repeat(1024 * 1024),
    );
    assert.equal(result.exit, 0, result.stderr);
    assert.equal(result.stdout.trim(), '200');
  });
});

describe('HTTP/2 listeners under the caps', () => {
  const fixture = useFarm({ only: ['h2-ok', 'h2-no-server-preface'], controlPort: null, maxHoldMs: 1500, headTimeoutMs: 800 });
  const preface = Buffer.concat([CLIENT_PREFACE, settingsFrame()]);

  test('--head-timeout-ms: a connection that sends no request after the preface is closed, with a fault event naming the flag', async () => {
    const event = fixture.farm.waitFor('h2-ok', (e) => e.type === 'fault' && /--head-timeout-ms/.test(e.detail ?? ''), 5000);
    const result = await h2Exchange(fixture.listener('h2-ok').port, preface, 5000);
    assert.ok(result.closed);
    assert.match((await event).detail!, /no complete request head within 800 ms/);
  });

  test('--max-hold-ms: h2-no-server-preface, holding a request it never answers, is closed by the farm', async () => {
    const event = fixture.farm.waitFor('h2-no-server-preface', (e) => e.type === 'fault' && /--max-hold-ms/.test(e.detail ?? ''), 5000);
    const head = [
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: 'https' },
      { name: ':path', value: '/' },
      { name: ':authority', value: 'localhost' },
    ];
    const request = headersFrames(1, new HeaderEncoder().encode(head), true);
    const result = await h2Exchange(fixture.listener('h2-no-server-preface').port, Buffer.concat([preface, request]), 5000);
    assert.ok(result.closed);
    assert.equal(result.received.length, 0, 'the server said nothing');
    await event;
  });
});
