import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { openEventLog } from '../src/event-log.js';
import { AttemptLedger } from '../src/ledger/ledger.js';
import {
  MAX_ACTIONS_PER_ATTEMPT,
  MAX_REQUESTS_PER_ATTEMPT,
  MAX_RESPONSES_PER_ATTEMPT,
  TEXT_BYTES_PER_ATTEMPT,
} from '../src/ledger/store.js';
import { MAX_RESPONSE_HEAD_BYTES, MAX_RESPONSE_HEAD_FIELDS } from '../src/listeners/http/response-head.js';
import { tapResponseHead } from '../src/listeners/http/response-tap.js';
import { MAX_EVENT_VALUE_CHARS, requestEvent } from '../src/listeners/http/request-event.js';
import type { ListenerEvent } from '../src/listeners/index.js';
import { resolveSettings } from '../src/settings.js';

// The bounds no real client reaches cheaply, driven with the events the listeners emit.

function ledgerOf(size: number) {
  const events = new EventEmitter<{ event: [ListenerEvent] }>();
  const ledger = new AttemptLedger(events, ['l'], size);
  let time = 1_000;
  const emit = (event: Omit<ListenerEvent, 'listener' | 'time'>) => events.emit('event', { ...event, listener: 'l', time: time++ });
  return { ledger, emit };
}

test('request events carry at most --max-headers fields, values clipped', () => {
  const headers = Array.from({ length: 10 }, (_, i): [string, string] => [`X-F${i}`, 'v'.repeat(MAX_EVENT_VALUE_CHARS + 10)]);
  const event = requestEvent('GET', '/', headers, 4);
  assert.equal(event.headers!.length, 4);
  assert.equal(event.headers![0]![0], 'x-f0');
  assert.equal(event.headers![0]![1], `${'v'.repeat(MAX_EVENT_VALUE_CHARS)}…`);
});

test('a kept-alive connection keeps its first requests and actions and counts the rest', () => {
  const { ledger, emit } = ledgerOf(10);
  emit({ type: 'connection', connection: 1, peer: '127.0.0.1:1' });
  for (let i = 0; i < MAX_REQUESTS_PER_ATTEMPT + 5; i++) emit({ ...requestEvent('GET', `/${i}`, [['host', 'h']], 100), connection: 1 });
  for (let i = 0; i < MAX_ACTIONS_PER_ATTEMPT + 3; i++) emit({ type: 'fault', detail: `a${i}`, connection: 1 });
  const [attempt] = ledger.attempts('l')!;
  assert.equal(attempt!.requests.length, MAX_REQUESTS_PER_ATTEMPT);
  assert.equal(attempt!.requestsOmitted, 5);
  assert.equal(attempt!.actions.length, MAX_ACTIONS_PER_ATTEMPT);
  assert.equal(attempt!.actionsOmitted, 3);
  assert.deepEqual(attempt!.requests[1], { at: attempt!.requests[1]!.at, method: 'GET', target: '/1', headers: [['host', 'h']] });
});

test('a response head past 4 KiB is recorded clipped, at most 32 fields; the tap then lets go of the socket', () => {
  const socket = new PassThrough();
  socket.resume();
  const seen: Omit<ListenerEvent, 'listener' | 'time'>[] = [];
  tapResponseHead(socket, (event) => seen.push(event));
  socket.write('HTTP/1.1 200 OK\r\n');
  for (let i = 0; i < 1000; i++) socket.write(`X-Filler-${i}: ${'f'.repeat(30)}\r\n`);
  socket.end('\r\nbody');
  assert.equal(seen.length, 1);
  const { response } = seen[0]!;
  assert.equal(response!.statusLine, 'HTTP/1.1 200 OK');
  assert.equal(response!.headBytes, MAX_RESPONSE_HEAD_BYTES);
  assert.equal(response!.clipped, true);
  assert.equal(response!.headers.length, MAX_RESPONSE_HEAD_FIELDS);
  assert.ok(response!.headersOmitted! > 0);
  assert.ok(!Object.hasOwn(socket, 'write') && !Object.hasOwn(socket, 'end'), 'the socket has its own methods back');

  const { ledger, emit } = ledgerOf(10);
  emit({ type: 'connection', connection: 1, peer: '127.0.0.1:1' });
  for (let i = 0; i < MAX_RESPONSES_PER_ATTEMPT + 2; i++) emit({ type: 'response', response: response!, connection: 1 });
  const [attempt] = ledger.attempts('l')!;
  assert.equal(attempt!.responses!.length, MAX_RESPONSES_PER_ATTEMPT);
  assert.equal(attempt!.responsesOmitted, 2);
  assert.deepEqual(attempt!.responses![0]!.headers, response!.headers, 'kept as one string, given back as fields');
});

test('recorded text is bounded too: large heads push the oldest attempts out before the count does', () => {
  const size = 400;
  const { ledger, emit } = ledgerOf(size);
  // 32 fields of 1 KiB: each attempt holds ~33 KiB of text, so the budget (size × 4 KiB) holds ~48 of them.
  const big = Array.from({ length: 32 }, (_, i): [string, string] => [`x-${i}`, 'b'.repeat(1024)]);
  for (let connection = 1; connection <= 200; connection++) {
    emit({ type: 'connection', connection, peer: '127.0.0.1:1' });
    emit({ ...requestEvent('GET', '/', big, 100), connection });
  }
  const kept = ledger.attempts('l')!;
  const text = kept.reduce(
    (sum, a) => sum + a.requests.reduce((s, r) => s + r.headers.reduce((n, [k, v]) => n + k.length + v.length + 2, 0), 0),
    0,
  );
  assert.ok(kept.length < 200 && kept.length > 10, `${kept.length} kept`);
  assert.ok(text <= size * TEXT_BYTES_PER_ATTEMPT, `${text} bytes of text kept`);
  assert.equal(kept.at(-1)!.connection, 200, 'the newest are the ones kept');
});

test('events of an attempt already pushed out are dropped, not recorded as a new attempt', () => {
  const { ledger, emit } = ledgerOf(2);
  for (let connection = 1; connection <= 3; connection++) emit({ type: 'connection', connection, peer: '127.0.0.1:1' });
  emit({ type: 'close', connection: 1, by: 'client', bytesIn: 1, bytesOut: 1 });
  assert.deepEqual(
    ledger.attempts('l')!.map((a) => [a.connection, a.closedBy]),
    [
      [2, undefined],
      [3, undefined],
    ],
  );
});

test('--ledger-size: default 1000, 0 allowed, negative or fractional sizes refused naming the flag', () => {
  assert.equal(resolveSettings({}).ledgerSize, 1000);
  assert.equal(resolveSettings({ ledgerSize: 0 }).ledgerSize, 0);
  assert.throws(() => resolveSettings({ ledgerSize: -1 }), /--ledger-size.*whole number from 0/);
  assert.throws(() => resolveSettings({ ledgerSize: 2.5 }), /--ledger-size/);
});

test("the event log leaves a request event's header fields out (the ledger has them)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'events.log');
  const log = await openEventLog({ file, level: 'info' });
  log.write({ listener: 'l', time: 1, connection: 7, ...requestEvent('GET', '/x', [['authorization', 'Bearer secret']], 100) });
  await log.close();
  const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
  assert.deepEqual([line.msg, line.method, line.target, line.connection, line.headers], ['request', 'GET', '/x', 7, undefined]);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /secret/);
});
