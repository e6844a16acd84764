import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { loadSeedHellos } from '../scripts/fuzz/hello-seeds.js';
import { useFarm } from './helpers/farm.js';

// Bugs `npm run fuzz` found, each pinned by the input that showed it.

describe('fuzz regressions', () => {
  const fixture = useFarm({ only: ['tls-alert-internal-error', 'tls-alert-handshake-failure'], controlPort: null });

  // Found by the fuzzer (seed 2, 20,000 ClientHellos: "1 connection still open 15 s after the fuzzer closed all of
  // its own"): tls-alert read the first record, paused the socket and ended it with the alert. Bytes the client sent
  // after that record stayed unread in the paused stream, so the client's FIN was never seen and the farm held the
  // half-closed connection until --max-hold-ms (10 minutes).
  for (const id of ['tls-alert-internal-error', 'tls-alert-handshake-failure']) {
    test(`${id}: a client that sends more after its ClientHello and then closes is closed by the farm too`, async () => {
      const listener = fixture.listener(id);
      const hello = loadSeedHellos()[0]!.record;
      const farmClosed = fixture.farm.waitFor(id, (e) => e.type === 'close', 5000);
      const alert = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(listener.port, '127.0.0.1', () => socket.write(hello));
        const timer = setTimeout(() => reject(new Error('no alert within 5 s')), 5000);
        socket.on('error', () => undefined);
        socket.once('data', (data: Buffer) => {
          clearTimeout(timer);
          // A ChangeCipherSpec record after the alert (any bytes do), then our FIN.
          socket.end(Buffer.from('140303000101', 'hex'));
          resolve(data);
        });
      });
      assert.equal(alert[0], 21, 'an alert record');
      assert.equal(alert[6], listener.scenario === 'tls-alert-internal-error' ? 80 : 40);
      const closed = await farmClosed;
      assert.equal(closed.type, 'close');
    });
  }
});

describe('fuzz regressions: request-body-not-read', () => {
  const fixture = useFarm({ only: ['request-body-not-read'], controlPort: null });

  // Found by the fuzzer (seed 11, 15,000 HTTP inputs: "7 connections still open on request-body-not-read"): the
  // listener paused the socket after the head, so a client that sent a small body or a pipelined request and then
  // closed was never seen closing; the farm held the connection until --max-hold-ms.
  for (const [what, head, rest] of [
    ['a small unread body', 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n', 'b'.repeat(100)],
    ['a pipelined second request', 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'],
  ] as const) {
    test(`a client that sends ${what} after the head and closes is closed by the farm too, without an answer`, async () => {
      const listener = fixture.listener('request-body-not-read');
      const stopped = fixture.farm.waitFor('request-body-not-read', (e) => e.type === 'fault', 5000);
      const farmClosed = fixture.farm.waitFor('request-body-not-read', (e) => e.type === 'close', 5000);
      const received = await new Promise<string>((resolve) => {
        let data = '';
        // The rest goes once the listener has stopped reading (its fault event), as a second segment, then our FIN.
        const socket = connect(listener.port, '127.0.0.1', () => {
          socket.write(head);
          void stopped.then(
            () => socket.end(rest),
            () => socket.destroy(),
          );
        });
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(data));
      });
      assert.equal((await farmClosed).type, 'close');
      assert.equal(received, '', 'the fault never answers');
    });
  }

  test('a client still sending a body larger than the buffers stays blocked (the fault itself)', async () => {
    const listener = fixture.listener('request-body-not-read');
    const blocked = await new Promise<boolean>((resolve) => {
      const socket = connect(listener.port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 67108864\r\n\r\n');
        const chunk = Buffer.alloc(64 * 1024, 0x62);
        // Write until the socket reports back-pressure that does not clear: the farm is not reading.
        const pump = () => {
          while (socket.write(chunk));
          const timer = setTimeout(() => {
            socket.destroy();
            resolve(true);
          }, 1000);
          socket.once('drain', () => {
            clearTimeout(timer);
            if (socket.bytesWritten > 32 * 1024 * 1024) return (socket.destroy(), resolve(false));
            pump();
          });
        };
        pump();
      });
      socket.on('error', () => undefined);
    });
    assert.ok(blocked, 'the writes stopped draining');
  });
});
