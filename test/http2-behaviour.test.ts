import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, describe, test } from 'node:test';
import { curlArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { FrameReader } from '../src/h2/frame-reader.js';
import { CLIENT_PREFACE, ERROR_CODE, FLAG, FRAME, headersFrames, pingFrame, settingsFrame, type Frame } from '../src/h2/frames.js';
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

/**
 * Sends `bytes` to 127.0.0.1:`port` in cleartext (h2c with prior knowledge) and resolves after `ms` with the frames
 * the server sent by then (read with the project's frame reader), and whether it had closed the connection.
 */
function h2cFrames(port: number, bytes: Buffer, ms: number): Promise<{ frames: Frame[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const socket = netConnect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => (closed = true));
    setTimeout(() => {
      socket.destroy();
      const result = new FrameReader({ expectPreface: false, maxFrameSize: 1 << 20 }).push(Buffer.concat(chunks));
      if (!result.ok) return reject(new Error(`the server sent something that is not frames: ${result.detail}`));
      resolve({ frames: result.frames, closed });
    }, ms);
  });
}

describe('HTTP/2 faults on the wire (h2c, raw frames)', () => {
  const fixture = useFarm({
    only: ['h2-ok', 'h2-data-after-end-stream', 'h2-settings-never-acked', 'h2-ping-unanswered'],
    controlPort: null,
  });
  const GET = headersFrames(
    1,
    new HeaderEncoder().encode([
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: 'http' },
      { name: ':path', value: '/' },
      { name: ':authority', value: 'localhost' },
    ]),
    true,
  );
  const port = (id: string) => fixture.listener(id).port;
  const isAck = (f: Frame) => (f.flags & FLAG.ACK) !== 0;

  test('h2-data-after-end-stream: a DATA frame on stream 1 follows the one that carries END_STREAM', async () => {
    const { frames } = await h2cFrames(port('h2-data-after-end-stream'), Buffer.concat([CLIENT_PREFACE, settingsFrame(), GET]), 1000);
    const stream1 = frames.filter((f) => f.streamId === 1);
    assert.deepEqual(
      stream1.map((f) => [f.type, f.flags & FLAG.END_STREAM]),
      [
        [FRAME.HEADERS, 0],
        [FRAME.DATA, FLAG.END_STREAM],
        [FRAME.DATA, 0],
      ],
    );
    assert.equal(stream1[2]!.payload.toString(), 'after the end\n');
    // h2-ok, the control, ends the stream there.
    const control = await h2cFrames(port('h2-ok'), Buffer.concat([CLIENT_PREFACE, settingsFrame(), GET]), 1000);
    assert.deepEqual(
      control.frames.filter((f) => f.streamId === 1).map((f) => f.type),
      [FRAME.HEADERS, FRAME.DATA],
    );
  });

  test('h2-settings-never-acked: its own SETTINGS, but no SETTINGS ACK within 1 s of the client SETTINGS (h2-ok sends one)', async () => {
    const preface = Buffer.concat([CLIENT_PREFACE, settingsFrame({ INITIAL_WINDOW_SIZE: 65_535 })]);
    const [fault, control] = await Promise.all([
      h2cFrames(port('h2-settings-never-acked'), preface, 1000),
      h2cFrames(port('h2-ok'), preface, 1000),
    ]);
    const settings = (frames: Frame[]) => frames.filter((f) => f.type === FRAME.SETTINGS).map((f) => (isAck(f) ? 'ack' : 'settings'));
    assert.deepEqual(settings(fault.frames), ['settings']);
    assert.equal(fault.closed, false, 'the connection is still open');
    assert.deepEqual(settings(control.frames), ['settings', 'ack']);
  });

  test('h2-ping-unanswered: no PING ACK within 1 s of a client PING (h2-ok sends one)', async () => {
    const opaque = Buffer.from('badorign');
    const bytes = Buffer.concat([CLIENT_PREFACE, settingsFrame(), pingFrame(opaque, false)]);
    const [fault, control] = await Promise.all([h2cFrames(port('h2-ping-unanswered'), bytes, 1000), h2cFrames(port('h2-ok'), bytes, 1000)]);
    const pingAcks = (frames: Frame[]) => frames.filter((f) => f.type === FRAME.PING && isAck(f)).map((f) => f.payload.toString());
    assert.deepEqual(pingAcks(fault.frames), []);
    assert.ok(
      fault.frames.some((f) => f.type === FRAME.SETTINGS && isAck(f)),
      'the server read the preface (it acknowledged the SETTINGS)',
    );
    assert.equal(fault.closed, false, 'the connection is still open');
    assert.deepEqual(pingAcks(control.frames), ['badorign']);
  });
});

describe('--max-connections applies to HTTP/2 listeners, over h2c and TLS alike', () => {
  const CAP = 3;
  const fixture = useFarm({ only: ['h2-ok'], controlPort: null, maxConnections: CAP, headTimeoutMs: 60_000, handshakeTimeoutMs: 60_000 });
  const held: Socket[] = [];
  after(() => held.forEach((s) => s.destroy()));

  /**
   * Opens an h2c or a TLS (ALPN h2) connection to h2-ok and sends the client preface: `served` once the server's
   * SETTINGS arrive (the connection is then held open), `reset` when the farm closes it first.
   */
  const attempt = (transport: 'h2c' | 'tls'): Promise<'served' | 'reset' | 'silent'> =>
    new Promise((resolve) => {
      const port = fixture.listener('h2-ok').port;
      const preface = Buffer.concat([CLIENT_PREFACE, settingsFrame()]);
      const socket: Socket =
        transport === 'h2c'
          ? netConnect(port, '127.0.0.1', () => socket.write(preface))
          : tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () =>
              socket.write(preface),
            );
      let received = Buffer.alloc(0);
      const done = (outcome: 'served' | 'reset' | 'silent') => {
        clearTimeout(timer);
        if (outcome === 'served') held.push(socket);
        else socket.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(() => done('silent'), 3000);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const first = new FrameReader({ expectPreface: false }).push(received);
        if (first.ok && first.frames[0]?.type === FRAME.SETTINGS) done('served');
      });
      socket.on('error', () => done('reset'));
      socket.on('close', () => done('reset'));
    });

  test(`connections past ${CAP} are reset at once with the cap's fault event; the slots come back as connections close`, async () => {
    assert.equal(fixture.farm.settings.caps.maxConnections, CAP);
    assert.deepEqual([await attempt('h2c'), await attempt('tls'), await attempt('h2c')], ['served', 'served', 'served']);
    const detail = `cap: ${CAP} connections open, reset a new one (--max-connections)`;
    const event = fixture.farm.waitFor('h2-ok', (e) => e.type === 'fault' && (e.detail ?? '').startsWith(detail), 5000);
    assert.deepEqual([await attempt('h2c'), await attempt('tls')], ['reset', 'reset']);
    await event;
    held.splice(0).forEach((s) => s.destroy());
    let outcomes: string[] = [];
    for (let i = 0; i < 50 && outcomes.join() !== 'served,served'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      held.splice(0).forEach((s) => s.destroy());
      outcomes = [await attempt('h2c'), await attempt('tls')];
    }
    assert.deepEqual(outcomes, ['served', 'served'], 'the cap counts open connections only');
  });
});
