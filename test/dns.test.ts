import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import dnsPacket, { type Packet } from 'dns-packet';
import { digArgs } from '../src/clients/commands.js';
import { nodeResolve } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { loadCatalogue } from '../src/catalogue.js';
import { startFarm } from '../src/farm.js';
import { tempDir, useFarm } from './helpers/farm.js';
import { matchesNodeExpectation } from '../src/probe.js';
import { requireTool } from './helpers/tools.js';

const dnsIds = loadCatalogue().filter((e) => e.scenario.family === 'dns').map((e) => e.scenario.id);

/** Sends one UDP datagram and resolves with the first reply, or null after `ms`. */
function udpExchange(port: number, bytes: Buffer, ms = 1000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(null);
    }, ms);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message);
    });
    socket.send(bytes, port, '127.0.0.1');
  });
}

/** Sends one length-prefixed DNS message over TCP and resolves with the decoded reply (10 s limit). */
function tcpExchange(port: number, query: Packet): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(dnsPacket.streamEncode(query)));
    let buffer = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no TCP reply')));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        socket.destroy();
        resolve(dnsPacket.streamDecode(buffer));
      }
    });
    socket.on('error', reject);
  });
}

// dns-packet's types have no rcode or flag_tc: read them from the header flags (RFC 1035 §4.1.1).
const rcode = (packet: Packet) => ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][(packet.flags ?? 0) & 0x0f];
const truncated = (packet: Packet) => ((packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0;
const addressesOf = (packet: Packet) => (packet.answers ?? []).map((answer) => (answer as { data: unknown }).data);

const query = (name: string, id = 1234, type: 'A' | 'SOA' | 'NS' = 'A'): Packet => ({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });

/** dig's status line, flags and answer count, or `timeout` when no reply came. */
function parseDig(output: string): { status: string; flags: string[]; answers: number } {
  const status = /status: (\w+)/.exec(output)?.[1] ?? (/timed out|no servers could be reached/.test(output) ? 'timeout' : 'unparsed');
  return { status, flags: (/flags: ([\w ]+);/.exec(output)?.[1] ?? '').split(' ').filter(Boolean), answers: Number(/ANSWER: (\d+)/.exec(output)?.[1] ?? 0) };
}

describe('embedded DNS server', () => {
  const fixture = useFarm({ only: dnsIds });
  const listener = fixture.listener;
  const port = () => listener('dns-ok').port;


  test('every name of the issue is in the zone, all on one port, named in the manifest query', () => {
    for (const label of ['ok', 'nxdomain', 'servfail', 'refused', 'timeout', 'truncated', 'slow', 'cname-loop', 'empty']) {
      assert.ok(fixture.farm.manifest.listeners.some((l) => l.query?.name === `${label}.origin.test`), label);
    }
    assert.equal(new Set(fixture.farm.manifest.listeners.map((l) => l.port)).size, 1);
  });

  test('dig sees expect.dig and Node (dns.Resolver) sees expect.node for every name', async (t) => {
    if (!requireTool(t, 'dig')) return;
    await Promise.all(
      fixture.farm.manifest.listeners.map(async (l) => {
        const [dig, node] = await Promise.all([runClient(digArgs(fixture.farm.manifest, l)), nodeResolve(fixture.farm.manifest, l)]);
        const seen = parseDig(dig.stdout);
        const expected = l.expect.dig!;
        assert.equal(seen.status, expected.status, `${l.id}: ${dig.stdout}`);
        for (const flag of expected.flags ?? []) assert.ok(seen.flags.includes(flag), `${l.id}: flag ${flag} in ${seen.flags}`);
        if (expected.answers !== undefined) assert.equal(seen.answers, expected.answers, l.id);
        assert.ok(matchesNodeExpectation(l.expect.node, node), `${l.id}: expected ${JSON.stringify(l.expect.node)}, observed ${JSON.stringify(node)}`);
      }),
    );
  });

  test('truncated: TC bit and no answer over UDP, the full answer over TCP', async () => {
    const udp = dnsPacket.decode((await udpExchange(port(), dnsPacket.encode(query('truncated.origin.test'))))!);
    assert.equal(truncated(udp), true);
    assert.equal(udp.answers?.length, 0);
    const tcp = await tcpExchange(port(), query('truncated.origin.test'));
    assert.equal(truncated(tcp), false);
    assert.deepEqual(addressesOf(tcp), ['127.0.0.1']);
  });

  test('slow answers after its delay and not before', async () => {
    const started = performance.now();
    const reply = await udpExchange(port(), dnsPacket.encode(query('slow.origin.test')), 10_000);
    const elapsed = performance.now() - started;
    assert.ok(reply, 'an answer came');
    assert.ok(elapsed >= 2950 && elapsed < 4500, `answered after ${elapsed} ms, configured 3000 ms`);
  });

  test('zone edges: SOA at the apex, NXDOMAIN for unknown names, REFUSED outside the zone, ID and question echoed', async () => {
    const apex = await tcpExchange(port(), query('origin.test', 7, 'SOA'));
    assert.equal(rcode(apex), 'NOERROR');
    assert.equal(apex.answers?.[0]?.type, 'SOA');
    const unknown = dnsPacket.decode((await udpExchange(port(), dnsPacket.encode(query('nope.origin.test', 8))))!);
    assert.equal(rcode(unknown), 'NXDOMAIN');
    const outside = dnsPacket.decode((await udpExchange(port(), dnsPacket.encode(query('example.com', 9))))!);
    assert.deepEqual([rcode(outside), outside.id, outside.questions?.[0]?.name], ['REFUSED', 9, 'example.com']);
  });

  test('10,000 malformed packets get FORMERR or are dropped, never a crash; ok.<zone> still resolves', async () => {
    const good = dnsPacket.encode(query('ok.origin.test', 1));
    const inputs: Buffer[] = [
      Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]), // compression pointer to itself
      Buffer.concat([good.subarray(0, 4), Buffer.from([0xff, 0xff]), good.subarray(6)]), // 65535 questions claimed
      good.subarray(0, 7), // truncated header
      Buffer.alloc(4096, 0x3f), // oversized
    ];
    while (inputs.length < 10_000) {
      const i = inputs.length;
      if (i % 2) inputs.push(randomBytes(1 + (i % 600)));
      else {
        const mutated = Buffer.from(good);
        for (let j = 0; j < 1 + (i % 5); j++) mutated[(i * 7 + j * 13) % mutated.length] = (i * 31 + j) & 0xff;
        inputs.push(mutated);
      }
    }
    const socket = createSocket('udp4');
    let replies = 0;
    let formerr = 0;
    socket.on('message', (message) => {
      replies++;
      if ((message[3]! & 0x0f) === 1) formerr++;
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < inputs.length; i += 200) {
      await Promise.all(inputs.slice(i, i + 200).map((bytes) => new Promise((resolve) => socket.send(bytes, port(), '127.0.0.1', resolve))));
    }
    // Garbage over TCP too: a length prefix that promises more than ever comes, and random frames.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const tcp = connect(port(), '127.0.0.1', () => tcp.end(Buffer.concat([Buffer.from([0x00, 0x20]), randomBytes(32 + i)])));
        tcp.on('error', () => resolve());
        tcp.on('close', () => resolve());
        tcp.resume();
      });
    }
    const ok = await nodeResolve(fixture.farm.manifest, listener('dns-ok'));
    socket.close();
    assert.deepEqual(ok, { code: null, addresses: ['127.0.0.1'] });
    assert.ok(formerr > 0, `FORMERR replies: ${formerr} of ${replies}`);
  });

  test('--dns-zone and --dns-port move the zone and the port', async (t) => {
    const other = tempDir();
    t.after(other.remove);
    const custom = await startFarm({ basePort: 0, certsDir: other.dir, only: ['dns-ok', 'dns-nxdomain'], dnsZone: 'Faults.Example.', dnsPort: 0 });
    t.after(() => custom.close());
    const ok = custom.manifest.listeners.find((l) => l.id === 'dns-ok')!;
    assert.equal(ok.query?.name, 'ok.faults.example');
    assert.deepEqual(await nodeResolve(custom.manifest, ok), { code: null, addresses: ['127.0.0.1'] });
  });
});
