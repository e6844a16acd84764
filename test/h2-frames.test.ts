import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameReader } from '../src/h2/frame-reader.js';
import {
  CLIENT_PREFACE,
  FLAG,
  FRAME,
  checkPreface,
  decodeFrameHeader,
  decodeSettings,
  encodeFrameHeader,
  goawayFrame,
  headersBlockFragment,
  headersFrames,
  pingFrame,
  rstStreamFrame,
  settingsAckFrame,
  settingsFrame,
  windowUpdateFrame,
} from '../src/h2/frames.js';
import { HeaderDecoder, HeaderEncoder } from '../src/h2/hpack.js';

test('frame headers encode and decode as RFC 9113 §4.1 lays them out', () => {
  const bytes = encodeFrameHeader({ length: 0x123456, type: FRAME.HEADERS, flags: FLAG.END_HEADERS, streamId: 0x7fffffff });
  assert.equal(bytes.toString('hex'), '12345601047fffffff');
  assert.deepEqual(
    decodeFrameHeader(Buffer.from('000004080080000003', 'hex')),
    { length: 4, type: 8, flags: 0, streamId: 3 },
    'the reserved bit is ignored',
  );
  assert.equal(decodeFrameHeader(Buffer.alloc(8)), null);
  assert.throws(() => encodeFrameHeader({ length: 1 << 24, type: 0, flags: 0, streamId: 1 }), RangeError);
});

test('control frames are byte-exact', () => {
  assert.equal(
    settingsFrame({ MAX_CONCURRENT_STREAMS: 100, INITIAL_WINDOW_SIZE: 65535 }).toString('hex'),
    '00000c040000000000' + '000300000064' + '00040000ffff',
  );
  assert.equal(settingsAckFrame().toString('hex'), '000000040100000000');
  assert.equal(rstStreamFrame(1, 'REFUSED_STREAM').toString('hex'), '00000403000000000100000007');
  assert.equal(goawayFrame(0, 'NO_ERROR', 'x').toString('hex'), '0000090700000000000000000000000000' + '78');
  assert.equal(pingFrame(Buffer.from('abcdefgh'), true).toString('hex'), `000008060100000000${Buffer.from('abcdefgh').toString('hex')}`);
  assert.equal(windowUpdateFrame(0, 1).toString('hex'), '00000408000000000000000001');
  assert.deepEqual(decodeSettings(Buffer.from('000300000064', 'hex')), [{ id: 3, value: 100 }]);
  assert.equal(decodeSettings(Buffer.alloc(5)), null);
});

test('a header block larger than the frame size goes on in CONTINUATION frames, END_HEADERS on the last', () => {
  const bytes = headersFrames(1, Buffer.alloc(40, 0x61), true, 16);
  const reader = new FrameReader({ expectPreface: false });
  const result = reader.push(bytes);
  assert.ok(result.ok);
  assert.deepEqual(
    result.frames.map((f) => [f.type, f.flags, f.length]),
    [
      [FRAME.HEADERS, FLAG.END_STREAM, 16],
      [FRAME.CONTINUATION, 0, 16],
      [FRAME.CONTINUATION, FLAG.END_HEADERS, 8],
    ],
  );
  assert.deepEqual(
    headersBlockFragment(FLAG.PADDED | FLAG.PRIORITY, Buffer.from('02' + '0000000010' + 'abcd' + '0000', 'hex')),
    Buffer.from('abcd', 'hex'),
  );
  assert.equal(headersBlockFragment(FLAG.PADDED, Buffer.from('09ab', 'hex')), null);
});

test('the client preface is checked byte by byte (RFC 9113 §3.4)', () => {
  assert.equal(checkPreface(CLIENT_PREFACE.subarray(0, 5)), 'partial');
  assert.equal(checkPreface(CLIENT_PREFACE), 'complete');
  assert.equal(checkPreface(Buffer.from('GET / HTTP/1.1\r\n')), 'mismatch');
  const reader = new FrameReader({ expectPreface: true });
  assert.deepEqual(reader.push(CLIENT_PREFACE.subarray(0, 10)), { ok: true, frames: [] });
  const result = reader.push(Buffer.concat([CLIENT_PREFACE.subarray(10), settingsFrame(), settingsAckFrame().subarray(0, 4)]));
  assert.ok(result.ok && result.frames.length === 1 && result.frames[0]!.type === FRAME.SETTINGS);
  assert.equal(reader.buffered, 4);
  assert.deepEqual(new FrameReader({ expectPreface: true }).push(Buffer.from('GET / HTTP/1.1\r\n\r\n')).ok, false);
});

test('the frame reader refuses a frame past the largest size before reading its payload, and stays refused', () => {
  const reader = new FrameReader({ expectPreface: false });
  const result = reader.push(encodeFrameHeader({ length: 0xffffff, type: FRAME.DATA, flags: 0, streamId: 1 }));
  assert.deepEqual(result, { ok: false, error: 'frame-size', detail: 'frame of 16777215 bytes, more than 16384' });
  assert.equal(reader.buffered, 0);
  assert.equal(reader.push(settingsFrame()).ok, false);
});

test('HPACK: what the encoder writes the decoder reads, over several blocks; a bad block is an error, not a throw', () => {
  const encoder = new HeaderEncoder();
  const decoder = new HeaderDecoder();
  const fields = [
    { name: ':status', value: '200' },
    { name: 'x-custom', value: 'one' },
  ];
  for (let i = 0; i < 3; i++) assert.deepEqual(decoder.decode(encoder.encode(fields)), { ok: true, fields });
  const bad = new HeaderDecoder().decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]));
  assert.equal(bad.ok, false);
  assert.equal(new HeaderDecoder().decode(Buffer.from([0x80])).ok, false, 'index 0 (RFC 7541 §6.1)');
});
