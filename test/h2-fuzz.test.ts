import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { FrameReader } from '../src/h2/frame-reader.js';
import { CLIENT_PREFACE, FRAME, frame, headersFrames, settingsFrame } from '../src/h2/frames.js';
import { HeaderEncoder } from '../src/h2/hpack.js';
import { bindFault } from '../src/listeners/fault-params.js';
import { H2_FAULTS } from '../src/listeners/http2/faults/index.js';
import { H2Session } from '../src/listeners/http2/session.js';
import { DEFAULT_CAPS } from '../src/listeners/caps.js';

/** A small seeded generator (mulberry32), so that a failing input can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One input: the preface and SETTINGS, then frames of random type, flags, stream and payload, some valid requests, some cut short. */
function input(next: () => number): Buffer[] {
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const encoder = new HeaderEncoder();
  const parts: Buffer[] = [CLIENT_PREFACE, settingsFrame()];
  for (let i = 0, count = 1 + int(6); i < count; i++) {
    const kind = int(4);
    if (kind === 0)
      parts.push(
        headersFrames(
          1 + 2 * i,
          encoder.encode([
            { name: ':method', value: 'GET' },
            { name: ':path', value: '/' },
          ]),
          next() < 0.5,
        ),
      );
    else if (kind === 1) parts.push(frame(int(12), int(256), int(8), bytes(int(64))));
    else if (kind === 2) parts.push(frame(FRAME.HEADERS, int(256), 1 + 2 * int(4), bytes(int(32))));
    else parts.push(bytes(1 + int(40)));
  }
  const all = Buffer.concat(parts);
  if (next() < 0.3) all[int(all.length)] = int(256);
  // Delivered in random pieces, as TCP may.
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; ) {
    const size = 1 + int(64);
    chunks.push(all.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

test('H2Session: 3,000 malformed inputs against every fault never throw, and what the server writes is always whole frames', () => {
  const next = rng(0x5eed);
  const caps = { ...DEFAULT_CAPS, headTimeoutMs: 60_000 };
  let goaways = 0;
  for (let i = 0; i < 3000; i++) {
    const written: Buffer[] = [];
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk);
        callback();
      },
    });
    const name = H2_FAULTS[i % H2_FAULTS.length]!.name;
    const fault = bindFault('http2', H2_FAULTS, { fault: name }).create('fuzz');
    new H2Session(socket, fault, { id: 'fuzz', emit: () => {}, caps });
    const chunks = input(next);
    assert.doesNotThrow(() => chunks.forEach((chunk) => socket.emit('data', chunk)), `input ${i} (${name})`);
    const out = new FrameReader({ expectPreface: false, maxFrameSize: 1 << 20 }).push(Buffer.concat(written));
    assert.ok(out.ok, `input ${i} (${name}): the server wrote something that is not frames`);
    if (out.frames.some((f) => f.type === FRAME.GOAWAY)) goaways++;
    socket.destroy();
  }
  // Most inputs are malformed somewhere, so most connections end with a GOAWAY.
  assert.ok(goaways > 1500, `${goaways} of 3000 ended with GOAWAY`);
});

test('H2Session: a flood of requests from a client that reads nothing is answered only until our unsent output passes 256 KiB', () => {
  // Found by `npm run fuzz` (2,000 requests in one write to h2-headers-too-large: 123 MB of answers encoded for a
  // client that had gone, the farm's event loop blocked for seconds).
  let written = 0;
  const socket = new Duplex({
    read() {},
    // A peer that reads nothing: the first write completes, every later one stays queued.
    write(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      if (written === chunk.length) callback();
    },
  });
  const requests: string[] = [];
  const fault = bindFault('http2', H2_FAULTS, { fault: 'headers-too-large' }).create('flood');
  new H2Session(socket, fault, {
    id: 'flood',
    emit: (e) => void (e.type === 'request' && requests.push(e.detail ?? '')),
    caps: DEFAULT_CAPS,
  });
  const block = new HeaderEncoder().encode([
    { name: ':method', value: 'GET' },
    { name: ':scheme', value: 'http' },
    { name: ':path', value: '/' },
  ]);
  const flood = Array.from({ length: 2000 }, (_, i) => headersFrames(1 + 2 * i, block, true));
  socket.emit('data', Buffer.concat([CLIENT_PREFACE, settingsFrame(), ...flood]));
  assert.ok(requests.length >= 1 && requests.length < 10, `${requests.length} requests answered`);
  assert.ok(written < 2 * 1024 * 1024, `${written} bytes written`);
  // The rest is read once the output drains, not dropped: the peer going away ends it.
  socket.destroy();
});
