import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseClientHelloBody, parseClientHelloRecord } from '../src/tls/client-hello.js';
import { LegacyTlsEngine } from '../src/tls/legacy/handshake.js';
import { prepareKey } from '../src/tls/legacy/server-key.js';
import { LEGACY_SUITES } from '../src/tls/legacy/suites.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { startFarm, type Farm } from '../src/farm.js';
import { matchesNodeExpectation } from '../src/probe.js';
import type { ListenerEvent } from '../src/listeners/mechanism.js';
import { certsDir } from './helpers/farm.js';

// The ClientHello parser and the legacy TLS engine take bytes from anyone: fuzz them with random and mutated input.

/** A deterministic PRNG (xorshift32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function u16(n: number): Buffer {
  return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
}

/** A well-formed ClientHello record with SNI, ALPN, groups, point formats, signature algorithms, supported_versions, renegotiation_info. */
function seedHello(version = 0x0303, suites = [0xc011, 0x0005, 0x1301, 0xc02f, 0x00ff]): Buffer {
  const ext = (type: number, data: Buffer) => Buffer.concat([u16(type), u16(data.length), data]);
  const name = Buffer.from('localhost');
  const extensions = Buffer.concat([
    ext(0, Buffer.concat([u16(name.length + 3), Buffer.from([0]), u16(name.length), name])),
    ext(10, Buffer.from('000400170018', 'hex')),
    ext(11, Buffer.from('0100', 'hex')),
    ext(13, Buffer.from('0006040102010501', 'hex')),
    ext(16, Buffer.from('000c02683208687474702f312e31', 'hex')),
    ext(43, Buffer.from('0403040303', 'hex')),
    ext(0xff01, Buffer.from('00', 'hex')),
  ]);
  const suiteBytes = Buffer.concat(suites.map(u16));
  const body = Buffer.concat([
    u16(version),
    randomBytes(32),
    Buffer.from([32]),
    randomBytes(32),
    u16(suiteBytes.length),
    suiteBytes,
    Buffer.from([1, 0]),
    u16(extensions.length),
    extensions,
  ]);
  const message = Buffer.concat([Buffer.from([1, 0]), u16(body.length), body]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(message.length), message]);
}

/** Mutates a record: bit flips, byte overwrites, truncation, insertion, duplication, length-field corruption. */
function mutate(input: Buffer, random: () => number): Buffer {
  let out = Buffer.from(input);
  const rounds = 1 + Math.floor(random() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(random() * Math.max(out.length, 1));
    switch (Math.floor(random() * 7)) {
      case 0:
        if (out.length) out[at] = out[at]! ^ (1 << Math.floor(random() * 8));
        break;
      case 1:
        if (out.length) out[at] = Math.floor(random() * 256);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), randomBytes(1 + Math.floor(random() * 16)), out.subarray(at)]);
        break;
      case 4:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + 40), out.subarray(at)]);
        break;
      case 5: {
        // Corrupt a likely length field with an extreme value.
        if (out.length > at + 1) out.writeUInt16BE([0, 1, 0xffff, 0x7fff, out.length][Math.floor(random() * 5)]! & 0xffff, at);
        break;
      }
      case 6:
        if (out.length > 5) out.writeUInt16BE(Math.max(0, out.length - 5 + Math.floor(random() * 5) - 2) & 0xffff, 3);
        break;
    }
  }
  return out;
}

describe('ClientHello parser and legacy TLS engine under fuzzing', () => {
  test('parseClientHelloRecord/parseClientHelloBody: 30,000 random and mutated inputs, no exception, typed results', () => {
    const random = prng(0x5eed);
    const started = performance.now();
    const counts = { ok: 0, alert: 0 };
    const seeds = [seedHello(), seedHello(0x0301, [0x0005]), seedHello(0x0300, [0x0004, 0x0005])];
    for (let i = 0; i < 30_000; i++) {
      const input = i % 3 === 0 ? randomBytes(Math.floor(random() * 600)) : mutate(seeds[i % seeds.length]!, random);
      if (i % 3 === 0 && input.length > 0 && random() < 0.5) input[0] = 22; // get past the first check half the time
      const result = parseClientHelloRecord(input);
      if (result.ok) {
        counts.ok++;
        assert.equal(result.hello.random.length, 32);
        assert.ok(result.hello.sessionId.length <= 32);
        assert.ok(result.hello.cipherSuites.length > 0);
      } else {
        counts.alert++;
        assert.ok([10, 47, 50].includes(result.alert), `alert ${result.alert}: ${result.reason}`);
      }
      const body = parseClientHelloBody(input.subarray(9));
      assert.equal(typeof body.ok, 'boolean');
    }
    const ms = performance.now() - started;
    assert.ok(counts.ok > 100 && counts.alert > 10_000, JSON.stringify(counts));
    console.log(`parser fuzz: 30000 records (${counts.ok} parsed, ${counts.alert} alerts) + 30000 bodies in ${Math.round(ms)} ms`);
  });

  test('LegacyTlsEngine: 20,000 random and mutated byte streams, fed in random chunks, never throw and end with an alert or a ServerHello', () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const key = prepareKey(privateKey);
    const config = {
      versions: [0x0301, 0x0302, 0x0303],
      suites: Object.values(LEGACY_SUITES),
      chainDer: [randomBytes(300)],
      privateKeyPem: privateKey,
    };
    const random = prng(0xc0ffee);
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const input = i % 4 === 0 ? randomBytes(Math.floor(random() * 300)) : mutate(seedHello(), random);
      const written: Buffer[] = [];
      const engine = new LegacyTlsEngine(config, key, {
        write: (bytes) => written.push(bytes),
        end: () => undefined,
        onSecure: () => assert.fail('no handshake can complete from one flight'),
        onData: () => assert.fail('no application data before the handshake'),
        onClose: () => undefined,
        event: () => undefined,
      });
      for (let offset = 0; offset < input.length; ) {
        const n = 1 + Math.floor(random() * 64);
        assert.doesNotThrow(() => engine.receive(input.subarray(offset, offset + n)));
        offset += n;
      }
      // Follow with more garbage: a closed engine ignores it, a waiting one answers with an alert.
      assert.doesNotThrow(() => engine.receive(randomBytes(20)));
      for (const bytes of written) assert.ok(bytes[0] === 21 || bytes[0] === 22, `wrote a record of type ${bytes[0]}`);
    }
    console.log(`engine fuzz: 20000 streams in ${Math.round(performance.now() - started)} ms`);
  });

  describe('over the wire', () => {
    let farm: Farm;
    const certs = certsDir();
    const problems: ListenerEvent[] = [];
    const ids = ['rc4-only', 'tls-alert-internal-error', 'sslv3-only'];
    before(async () => {
      farm = await startFarm({ basePort: 0, certsDir: certs.dir, only: ids });
      farm.events.on('event', (event) => {
        if (event.type === 'handler-error') problems.push(event);
      });
    });
    after(async () => {
      await farm?.close();
      certs.remove();
    });

    /** Sends bytes on a fresh connection and resolves when the listener closes it (or after 3 s, then closes it). */
    function blast(port: number, bytes: Buffer): Promise<void> {
      return new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port }, () => socket.end(bytes));
        const timer = setTimeout(() => socket.destroy(), 3000);
        socket.on('error', () => undefined);
        socket.on('data', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }

    test('300 bad inputs per listener, then the next good client gets exactly what the manifest says', async () => {
      const random = prng(42);
      for (const id of ids) {
        const l = farm.manifest.listeners.find((x) => x.id === id)!;
        const inputs = Array.from({ length: 300 }, (_, i) =>
          i % 2 ? mutate(seedHello(), random) : randomBytes(1 + Math.floor(random() * 200)),
        );
        for (let i = 0; i < inputs.length; i += 30) await Promise.all(inputs.slice(i, i + 30).map((input) => blast(l.port, input)));
        const observed = await nodeRequest(farm.manifest, l);
        assert.ok(
          matchesNodeExpectation(l.expect.node, observed),
          `${id}: expected ${JSON.stringify(l.expect.node)}, observed ${JSON.stringify(observed)}`,
        );
      }
      assert.deepEqual(problems, []);
    });
  });
});
