import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nodeRequest } from '../src/clients/node-client.js';
import { startFarm, type Farm } from '../src/farm.js';
import { FarmError } from '../src/errors.js';
import { certsDir } from './helpers/farm.js';

/** Sends bytes to a port and resolves when the farm closes the connection (or after 5 s, which fails the test). */
function sendAndWaitForClose(port: number, bytes: Buffer): Promise<'closed'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the listener kept a garbage connection open for 5 s'));
    }, 5000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.resume();
  });
}

describe('bad input never takes the farm down', () => {
  let farm: Farm;
  const certs = certsDir();
  before(async () => {
    farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: ['tls-ok', 'cert-expired', 'cert-sni-mismatch'] });
  });
  after(async () => {
    await farm?.close();
    certs.remove();
  });

  test('garbage, truncated and plain-HTTP ClientHellos are refused; every listener still answers', async () => {
    const errors: string[] = [];
    farm.events.on('event', (event) => event.type === 'tls-error' && errors.push(event.error!));
    const truncatedHello = Buffer.from('160301020001000200', 'hex'); // handshake record announcing 0x200 bytes, then EOF
    const inputs = [randomBytes(1000), truncatedHello, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.alloc(0)];
    for (let i = 0; i < 200; i++) inputs.push(Buffer.concat([Buffer.from([0x16, 0x03, i % 4]), randomBytes(i * 3)]));
    for (const listener of farm.manifest.listeners) {
      for (const input of inputs) assert.equal(await sendAndWaitForClose(listener.port, input), 'closed');
    }
    assert.ok(errors.length > 0, 'the farm reported the bad handshakes as events');
    const ok = farm.manifest.listeners.find((l) => l.id === 'tls-ok')!;
    assert.deepEqual(await nodeRequest(farm.manifest, ok), { code: null, status: 200 });
    const expired = farm.manifest.listeners.find((l) => l.id === 'cert-expired')!;
    assert.equal((await nodeRequest(farm.manifest, expired)).code, 'CERT_HAS_EXPIRED');
  });

  test('a second farm on the same ports fails cleanly and leaves the first one serving', async () => {
    const ports = Object.fromEntries(farm.manifest.listeners.map((l) => [l.id, l.port]));
    const base = ports['tls-ok']! - 1; // tls-ok is offset 1: the second farm wants exactly the first one's port
    await assert.rejects(
      startFarm({ basePort: base, certsDir: certs.dir, only: ['tls-ok'] }),
      (error: unknown) => error instanceof FarmError && error.code === 'EADDRINUSE' && error.message.includes(`port ${ports['tls-ok']}`),
    );
    const ok = farm.manifest.listeners.find((l) => l.id === 'tls-ok')!;
    assert.deepEqual(await nodeRequest(farm.manifest, ok), { code: null, status: 200 });
  });
});
