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
