import {
  CLIENT_PREFACE,
  ERROR_CODE,
  FLAG,
  FRAME,
  SETTING,
  frame,
  headersFrames,
  settingsFrame,
  windowUpdateFrame,
} from '../../src/h2/frames.js';
import { HeaderEncoder } from '../../src/h2/hpack.js';
import { deliver, type FuzzInput } from './input.js';
import type { Rng } from './random.js';

// Malformed HTTP/2 connections for the http2 listeners (RFC 9113, RFC 7541): a valid connection — client preface,
// SETTINGS, a request's HEADERS — taken apart frame by frame, plus the floods a hostile client sends (CONTINUATION
// without end, SETTINGS and PING without pause, HEADERS+RST_STREAM rapid reset, window increments past 2^31-1).
// Each is one connection's bytes, cut into TCP writes by deliver(). Floods are bounded (at most a few thousand frames).

/** A request's header block (RFC 9113 §8.3.1), HPACK-encoded with a fresh encoder (RFC 7541). */
function requestBlock(rng: Rng, extra: { name: string; value: string }[] = []): Buffer {
  const path = rng.pick(['/', '/', '/status/503', '/x?y=z']);
  return new HeaderEncoder().encode([
    { name: ':method', value: rng.pick(['GET', 'GET', 'HEAD', 'POST']) },
    { name: ':scheme', value: 'https' },
    { name: ':authority', value: 'localhost' },
    { name: ':path', value: path },
    ...extra,
  ]);
}

/** The client's connection preface and its SETTINGS (RFC 9113 §3.4). */
const opening = (): Buffer => Buffer.concat([CLIENT_PREFACE, settingsFrame({ ENABLE_PUSH: 0 })]);

/** One valid request on `streamId`, ended (RFC 9113 §8.1). */
const request = (rng: Rng, streamId: number): Buffer => headersFrames(streamId, requestBlock(rng), true);

/** A frame header that says `length` whatever follows it, its stream id's reserved bit as given (RFC 9113 §4.1). */
function header(length: number, type: number, flags: number, streamWord: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUIntBE(length & 0xffffff, 0, 3);
  b[3] = type & 0xff;
  b[4] = flags & 0xff;
  b.writeUInt32BE(streamWord >>> 0, 5);
  return b;
}

const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

const BAD_PREFACES: ((rng: Rng) => Buffer)[] = [
  (rng) => CLIENT_PREFACE.subarray(0, rng.int(CLIENT_PREFACE.length)),
  () => Buffer.from('PRI * HTTP/2.0\r\n\r\n', 'latin1'),
  () => Buffer.from('PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n', 'latin1'),
  () =>
    Buffer.from(
      'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
      'latin1',
    ),
  (rng) => Buffer.concat([CLIENT_PREFACE, rng.bytes(rng.range(1, 64))]),
  (rng) => {
    const b = Buffer.from(CLIENT_PREFACE);
    b[rng.int(b.length)] = rng.int(256);
    return Buffer.concat([b, settingsFrame()]);
  },
  // The preface, then no SETTINGS but a request (RFC 9113 §3.4: the first frame must be SETTINGS).
  (rng) => Buffer.concat([CLIENT_PREFACE, request(rng, 1)]),
];

/** Frames whose length field lies, or exceeds SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2). */
function badLength(rng: Rng): Buffer {
  const type = rng.pick([
    FRAME.DATA,
    FRAME.HEADERS,
    FRAME.PRIORITY,
    FRAME.RST_STREAM,
    FRAME.SETTINGS,
    FRAME.PING,
    FRAME.GOAWAY,
    FRAME.WINDOW_UPDATE,
  ]);
  const streamId = type === FRAME.SETTINGS || type === FRAME.PING || type === FRAME.GOAWAY ? 0 : 1;
  const payload = rng.bytes(rng.pick([0, 1, 3, 5, 7, 9, 17, rng.int(64)]));
  const length = rng.pick([payload.length + 1, Math.max(0, payload.length - 1), 16_385, 0xffffff, rng.int(0x1000000)]);
  return Buffer.concat([
    opening(),
    header(length, type, rng.int(256), streamId),
    payload,
    rng.chance(0.5) ? request(rng, 3) : Buffer.alloc(0),
  ]);
}

/** Frame types a client must not send, or that do not exist (ignored, RFC 9113 §4.1), on random streams. */
function badType(rng: Rng): Buffer {
  const frames = Array.from({ length: rng.range(1, 8) }, () => {
    const type = rng.pick([FRAME.PUSH_PROMISE, FRAME.CONTINUATION, 0x0a, 0x0b, 0x10, 0xff, rng.int(256)]);
    return frame(type, rng.int(256), rng.pick([0, 1, 2, 3, 0x7fffffff]), rng.bytes(rng.int(48)));
  });
  return Buffer.concat([opening(), ...frames, request(rng, 1)]);
}

/** Known frames with random flags: PADDED with a pad length past the payload, PRIORITY on itself, ACK with a payload. */
function badFlags(rng: Rng): Buffer {
  const choices: (() => Buffer)[] = [
    () => frame(FRAME.HEADERS, FLAG.PADDED | FLAG.END_HEADERS | FLAG.END_STREAM, 1, Buffer.concat([Buffer.from([255]), requestBlock(rng)])),
    () =>
      frame(
        FRAME.HEADERS,
        FLAG.PRIORITY | FLAG.END_HEADERS | FLAG.END_STREAM,
        1,
        Buffer.concat([uint32(1), Buffer.from([16]), requestBlock(rng)]),
      ),
    () => frame(FRAME.HEADERS, FLAG.PRIORITY | FLAG.END_HEADERS, 1, Buffer.from([0, 0])),
    () => frame(FRAME.DATA, FLAG.PADDED | FLAG.END_STREAM, 1, Buffer.from([200, 1, 2])),
    () => frame(FRAME.SETTINGS, FLAG.ACK, 0, rng.bytes(6)),
    () => frame(FRAME.PING, FLAG.ACK, 0, rng.bytes(8)),
    () => frame(rng.int(10), rng.int(256), 1, rng.bytes(rng.int(24))),
  ];
  return Buffer.concat([opening(), request(rng, 1), ...Array.from({ length: rng.range(1, 4) }, () => rng.pick(choices)())]);
}

/** Stream ids a client must not use (RFC 9113 §5.1.1): even, zero where a stream is needed, going down, reserved bit set. */
function badStream(rng: Rng): Buffer {
  const block = requestBlock(rng);
  const choices: (() => Buffer)[] = [
    () => headersFrames(2, block, true),
    () => headersFrames(0, block, true),
    () => Buffer.concat([request(rng, 5), request(rng, 3)]),
    () => Buffer.concat([request(rng, 1), request(rng, 1)]),
    () => Buffer.concat([header(block.length, FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 0x80000001), block]),
    () => frame(FRAME.DATA, FLAG.END_STREAM, rng.pick([0, 1, 7, 0x7fffffff]), rng.bytes(8)),
    () => frame(FRAME.SETTINGS, 0, rng.range(1, 9), Buffer.alloc(0)),
    () => frame(FRAME.PING, 0, 1, rng.bytes(8)),
    () => frame(FRAME.RST_STREAM, 0, rng.pick([0, 1, 99]), uint32(ERROR_CODE.CANCEL)),
    () => frame(FRAME.PRIORITY, 0, 1, Buffer.concat([uint32(1), Buffer.from([0])])),
    () => frame(FRAME.GOAWAY, 0, 1, Buffer.concat([uint32(0), uint32(0)])),
  ];
  return Buffer.concat([opening(), ...Array.from({ length: rng.range(1, 3) }, () => rng.pick(choices)())]);
}

/** Header blocks that fail HPACK decoding (RFC 7541): random bytes, bad indices, oversized table updates and strings. */
function hpackGarbage(rng: Rng): Buffer {
  const block = rng.pick<() => Buffer>([
    () => rng.bytes(rng.range(1, 200)),
    () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    () => Buffer.from([0xbf]),
    () => Buffer.from([0x3f, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    () => Buffer.concat([Buffer.from([0x40, 0x7f, 0xff, 0xff, 0x03]), rng.bytes(20)]),
    () => Buffer.concat([Buffer.from([0x40, 0x85]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x01, 0x61])]),
    () => {
      const b = Buffer.from(requestBlock(rng));
      for (let i = rng.range(1, 4); i > 0; i--) b[rng.int(b.length)] = rng.int(256);
      return b;
    },
    () => Buffer.concat([requestBlock(rng), Buffer.from([0x20])]),
    () =>
      requestBlock(rng, [
        { name: 'Upper', value: 'x' },
        { name: 'connection', value: 'close' },
        { name: ':bogus', value: 'y' },
      ]),
    () => requestBlock(rng, [{ name: 'x-long', value: 'v'.repeat(rng.pick([9000, 70_000])) }]),
  ])();
  return Buffer.concat([opening(), headersFrames(1, block, true), request(rng, 3)]);
}

/** HEADERS without END_HEADERS, then up to 3,000 CONTINUATION frames that never or only late end the block (CVE-2024-27316 style). */
function continuationFlood(rng: Rng): Buffer {
  const count = rng.pick([10, 100, 1000, 3000]);
  const fragment = rng.chance(0.5) ? Buffer.from([0x40, 0x01, 0x61, 0x01, 0x62]) : rng.bytes(rng.range(0, 16));
  const frames = [frame(FRAME.HEADERS, 0, 1, requestBlock(rng))];
  for (let i = 0; i < count; i++) frames.push(frame(FRAME.CONTINUATION, 0, rng.chance(0.01) ? 3 : 1, fragment));
  if (rng.chance(0.3)) frames.push(frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, Buffer.alloc(0)));
  return Buffer.concat([opening(), ...frames]);
}

/** Up to 3,000 SETTINGS frames (each owes an ACK), or SETTINGS with values RFC 9113 §6.5.2 forbids. */
function settingsFlood(rng: Rng): Buffer {
  if (rng.chance(0.4)) {
    const bad = rng.pick<Buffer>([
      settingsFrame({ ENABLE_PUSH: 2 }),
      settingsFrame({ INITIAL_WINDOW_SIZE: 0x80000000 }),
      settingsFrame({ MAX_FRAME_SIZE: 16_383 }),
      settingsFrame({ MAX_FRAME_SIZE: 0x1000000 }),
      settingsFrame({ HEADER_TABLE_SIZE: 0xffffffff, MAX_HEADER_LIST_SIZE: 0 }),
      settingsFrame({ INITIAL_WINDOW_SIZE: 0, MAX_CONCURRENT_STREAMS: 0 }),
      frame(FRAME.SETTINGS, 0, 0, Buffer.concat([Buffer.from([0xff, 0xff]), uint32(rng.int(0x100000000))])),
    ]);
    return Buffer.concat([CLIENT_PREFACE, bad, request(rng, 1)]);
  }
  const count = rng.pick([10, 100, 1000, 3000]);
  const one = settingsFrame({ INITIAL_WINDOW_SIZE: rng.int(0x7fffffff), [rng.pick(Object.keys(SETTING))]: 1 });
  return Buffer.concat([opening(), ...Array.from({ length: count }, () => one), request(rng, 1)]);
}

/** WINDOW_UPDATE increments of zero or past 2^31-1 (RFC 9113 §6.9.1), on the connection and on a stream. */
function windowOverflow(rng: Rng): Buffer {
  const streamId = rng.pick([0, 1]);
  const updates = rng.pick<Buffer[]>([
    [windowUpdateFrame(streamId, 0)],
    [windowUpdateFrame(streamId, 0x7fffffff), windowUpdateFrame(streamId, 0x7fffffff)],
    Array.from({ length: rng.range(2, 2000) }, () => windowUpdateFrame(streamId, 0x40000000)),
    [frame(FRAME.WINDOW_UPDATE, 0, streamId, uint32(0xffffffff))],
    [Buffer.concat([settingsFrame({ INITIAL_WINDOW_SIZE: 0x7fffffff }), windowUpdateFrame(1, 1)])],
  ]);
  return Buffer.concat([opening(), request(rng, 1), ...updates]);
}

/** Bounded floods of frames that cost the server work: PING, HEADERS then RST_STREAM (rapid reset), PRIORITY, empty DATA. */
function frameFlood(rng: Rng): Buffer {
  const count = rng.pick([10, 100, 1000, 2000]);
  const block = requestBlock(rng);
  const one = rng.pick<(i: number) => Buffer>([
    () => frame(FRAME.PING, 0, 0, Buffer.alloc(8)),
    (i) => Buffer.concat([headersFrames(1 + 2 * i, block, true), frame(FRAME.RST_STREAM, 0, 1 + 2 * i, uint32(ERROR_CODE.CANCEL))]),
    (i) => frame(FRAME.PRIORITY, 0, 1 + 2 * i, Buffer.concat([uint32(0), Buffer.from([255])])),
    () => frame(FRAME.DATA, 0, 1, Buffer.alloc(0)),
  ]);
  return Buffer.concat([opening(), headersFrames(1, block, false), ...Array.from({ length: count }, (_, i) => one(i))]);
}

/** Valid requests: one, several streams, or a POST with a body. */
function valid(rng: Rng): Buffer {
  const streams = Array.from({ length: rng.range(1, 6) }, (_, i) => request(rng, 1 + 2 * i));
  return Buffer.concat([opening(), ...streams]);
}

const GENERATORS: [string, number, (rng: Rng) => Buffer][] = [
  ['preface', 10, (rng) => rng.pick(BAD_PREFACES)(rng)],
  ['length', 12, badLength],
  ['type', 8, badType],
  ['flags', 10, badFlags],
  ['stream', 12, badStream],
  ['hpack', 14, hpackGarbage],
  ['continuation', 6, continuationFlood],
  ['settings', 8, settingsFlood],
  ['window', 8, windowOverflow],
  ['flood', 6, frameFlood],
  ['random', 4, (rng) => Buffer.concat([opening(), rng.bytes(rng.range(1, 600))])],
  [
    'mutated',
    8,
    (rng) => {
      const b = valid(rng);
      for (let i = rng.range(1, 6); i > 0; i--) b[rng.range(CLIENT_PREFACE.length, b.length - 1)] = rng.int(256);
      return b;
    },
  ],
  ['early-close', 4, (rng) => valid(rng).subarray(0, rng.range(1, 120))],
  ['valid', 6, valid],
];

/**
 * HTTP/2 input number `rng`'s stream yields (one connection's bytes, for an http2 listener over h2c or inside TLS
 * with ALPN h2): a bad preface, frames with lying lengths, unknown or forbidden types, odd flags, forbidden stream
 * ids, HPACK garbage, CONTINUATION / SETTINGS / PING / rapid-reset floods (at most a few thousand frames), window
 * increments past 2^31-1, random or flipped bytes, or valid requests; cut into writes and ended by FIN, RST or nothing.
 */
export function h2Input(rng: Rng): FuzzInput {
  const [name, , make] = GENERATORS[rng.weighted(GENERATORS.map(([, weight]) => weight))]!;
  return deliver(make(rng), rng, name, rng.chance(0.04) ? { maxPieces: 12, maxGapMs: 25, splitChance: 1 } : {});
}
