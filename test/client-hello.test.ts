import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { describe, test } from 'node:test';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { useFarm } from './helpers/farm.js';
import { tlsRecordEnd } from '../src/tls/records.js';
import { parseClientHelloRecord } from '../src/tls/client-hello.js';
import { requireTool } from './helpers/tools.js';

/** Runs `openssl s_client ARGS` against a bare TCP server and returns the first record it sent (10 s limit). */
async function rawClientHello(args: string[]): Promise<Buffer> {
  let captured: Buffer | null = null;
  const server = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = tlsRecordEnd(buffer);
      if (end !== null && !captured) {
        captured = buffer.subarray(0, end);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await runClient(['openssl', 's_client', '-connect', `127.0.0.1:${port}`, ...args], 10_000);
  await new Promise((resolve) => server.close(resolve));
  if (!captured) throw new Error('openssl sent no ClientHello');
  return captured;
}

/**
 * JA3 computed independently of src/tls: a plain offset walk over the raw record with DataView, written for this
 * test only (version, ciphers, extension types, groups, point formats; GREASE removed; MD5).
 */
function independentJa3(record: Buffer): { text: string; md5: string } {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const grease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
  let p = 5 + 4; // record header, handshake header
  const version = view.getUint16(p);
  p += 2 + 32;
  p += 1 + view.getUint8(p); // session id
  const cipherBytes = view.getUint16(p);
  const ciphers: number[] = [];
  for (let i = 0; i < cipherBytes; i += 2) ciphers.push(view.getUint16(p + 2 + i));
  p += 2 + cipherBytes;
  p += 1 + view.getUint8(p); // compression methods
  const extensionsEnd = p + 2 + view.getUint16(p);
  p += 2;
  const types: number[] = [];
  let groups: number[] = [];
  let formats: number[] = [];
  while (p < extensionsEnd) {
    const type = view.getUint16(p);
    const length = view.getUint16(p + 2);
    types.push(type);
    if (type === 10) groups = Array.from({ length: view.getUint16(p + 4) / 2 }, (_, i) => view.getUint16(p + 6 + 2 * i));
    if (type === 11) formats = Array.from({ length: view.getUint8(p + 4) }, (_, i) => view.getUint8(p + 5 + i));
    p += 4 + length;
  }
  const join = (values: number[]) => values.filter((v) => !grease(v)).join('-');
  const text = [version, join(ciphers), join(types), join(groups), formats.join('-')].join(',');
  return { text, md5: createHash('md5').update(text).digest('hex') };
}

describe('ClientHello capture', () => {
  const fixture = useFarm({ only: ['tls-ok', 'cert-expired'], controlPort: null });

  test('openssl s_client -tls1_2 -cipher AES128-SHA -servername x.test shows up with that SNI, version, suites and JA3', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const args = ['-tls1_2', '-cipher', 'AES128-SHA', '-servername', 'x.test'];
    const raw = await rawClientHello(args);
    const listener = fixture.farm.manifest.listeners.find((l) => l.id === 'tls-ok')!;
    const seen = fixture.farm.waitFor('tls-ok', (e) => e.type === 'client-hello', 10_000);
    await runClient(['openssl', 's_client', '-connect', `127.0.0.1:${listener.port}`, ...args], 10_000);
    const hello = (await seen).clientHello!;
    assert.equal(hello.sni, 'x.test');
    assert.equal(hello.version, 'TLSv1.2');
    assert.deepEqual(hello.supportedVersions, []);
    // AES128-SHA is TLS_RSA_WITH_AES_128_CBC_SHA (0x002f); OpenSSL adds the renegotiation SCSV (0x00ff, RFC 5746).
    assert.deepEqual(hello.cipherSuites, [0x002f, 0x00ff]);
    const expected = independentJa3(raw);
    assert.equal(hello.ja3, expected.text);
    assert.equal(hello.ja3Hash, expected.md5);
    assert.equal(fixture.farm.monitor.get('tls-ok')!.lastClientHello?.ja3Hash, expected.md5);
  });

  test('parseClientHelloRecord reads a real hello and never throws on 20,000 random and mutated inputs', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const real = await rawClientHello(['-servername', 'fuzz.test', '-alpn', 'h2,http/1.1']);
    const parsed = parseClientHelloRecord(real);
    assert.ok(parsed.ok);
    assert.equal(parsed.hello.sni, 'fuzz.test');
    assert.deepEqual(parsed.hello.alpn, ['h2', 'http/1.1']);
    assert.ok(parsed.hello.supportedVersions.includes(0x0304));
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      let input: Buffer;
      if (i % 4 === 0) input = randomBytes(i % 700);
      else if (i % 4 === 1) input = Buffer.concat([Buffer.from([22, 3, 1]), randomBytes(2 + (i % 300))]);
      else {
        input = Buffer.from(real);
        for (let j = 0; j < 1 + (i % 8); j++) input[(i * 131 + j * 977) % input.length] = (i * 7 + j * 31) & 0xff;
        if (i % 4 === 3) input = input.subarray(0, (i * 13) % input.length);
      }
      const result = parseClientHelloRecord(input); // throws nothing: a throw fails the test
      if (!result.ok) {
        assert.ok([10, 47, 50].includes(result.alert), `input ${i}: alert ${result.alert} (${result.reason})`);
        rejected++;
      }
    }
    assert.ok(rejected > 10_000, `${rejected} rejected`);
  });

  test('mutated ClientHellos sent to a live listener never stop it answering the next good client', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const real = await rawClientHello(['-servername', 'localhost']);
    const port = fixture.farm.manifest.listeners.find((l) => l.id === 'tls-ok')!.port;
    for (let i = 0; i < 300; i++) {
      const input = Buffer.from(real);
      for (let j = 0; j < 1 + (i % 6); j++) input[(i * 131 + j * 977) % input.length] = (i * 7 + j * 31) & 0xff;
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(input));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.setTimeout(5000, () => socket.destroy());
        socket.resume();
      });
    }
    const ok = await nodeRequest(fixture.farm.manifest, fixture.farm.manifest.listeners.find((l) => l.id === 'tls-ok')!);
    assert.deepEqual(ok, { code: null, status: 200 });
  });
});
