import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { ListenerEvent } from '../src/listeners/index.js';
import { dig, query } from './helpers/dns.js';
import { useFarm } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

/** A zone whose SOA alone (apex, mname, rname: each about 190 bytes) makes an NXDOMAIN reply of about 830 bytes. */
const LONG_ZONE = `${'z'.repeat(60)}.${'y'.repeat(60)}.${'x'.repeat(60)}.test`;

/** `dnsPacket` bytes of a query, and the same with the ID set to `id`. */
function withId(bytes: Buffer, id: number): Buffer {
  const copy = Buffer.from(bytes);
  if (copy.length >= 2) copy.writeUInt16BE(id & 0xffff, 0);
  return copy;
}

/**
 * The amplifier: one long question, then `count` more questions that are each a 2-byte compression pointer to it
 * (RFC 1035 §4.1.4). A server that decodes it and echoes the questions uncompressed sends back ~40x the bytes.
 */
function compressedQuestions(count: number): Buffer {
  const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(30)}.origin.test`;
  const first = dnsPacket.encode(query(name, 0x4242));
  const pointer = Buffer.from([0xc0, 12, 0, 1, 0, 1]);
  const packet = Buffer.concat([first, ...Array.from({ length: count }, () => pointer)]);
  packet.writeUInt16BE(1 + count, 4);
  return packet;
}

describe('DNS: no amplification, UDP size limits and EDNS', () => {
  const fixture = useFarm({ only: ['dns-ok', 'dns-cname-loop', 'dns-truncated'], dnsZone: LONG_ZONE, controlPort: null });
  const port = () => fixture.listener('dns-ok').port;

  test('no reply to a malformed or unsupported query is longer than the query; every UDP reply within 512 bytes or the EDNS size', async (t) => {
    const good = dnsPacket.encode(query(`ok.${LONG_ZONE}`, 1));
    const crafted: Buffer[] = [
      compressedQuestions(249), // 1765 bytes in
      Buffer.concat([good.subarray(0, 2), Buffer.from([0x10, 0x00]), good.subarray(4)]), // opcode 2 (STATUS)
      dnsPacket.encode({
        ...query('ok.origin.test', 3),
        additionals: [0, 1].map(() => ({
          type: 'OPT' as const,
          name: '.',
          udpPayloadSize: 4096,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        })),
      }),
      dnsPacket.encode({ type: 'query', id: 4, questions: [] }), // no question
    ];
    const inputs: Buffer[] = [...crafted];
    for (let i = inputs.length; i < 3000; i++) {
      if (i % 2) inputs.push(randomBytes(12 + (i % 500)));
      else {
        const mutated = Buffer.from(good);
        for (let j = 0; j < 1 + (i % 5); j++) mutated[2 + ((i * 7 + j * 13) % (mutated.length - 2))] = (i * 31 + j) & 0xff;
        inputs.push(mutated);
      }
    }
    // Each input carries its index as ID, so a reply (which echoes the ID) pairs with its query.
    const sent = inputs.map((bytes, id) => withId(bytes, id));
    const replies = new Map<number, Buffer[]>();
    const socket = createSocket('udp4');
    socket.on('message', (message) => {
      const id = message.readUInt16BE(0);
      replies.set(id, [...(replies.get(id) ?? []), message]);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < sent.length; i += 100) {
      await Promise.all(sent.slice(i, i + 100).map((bytes) => new Promise((resolve) => socket.send(bytes, port(), '127.0.0.1', resolve))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    socket.close();

    const amplifier = replies.get(0)?.[0];
    assert.ok(amplifier, 'the compressed-questions query is answered (FORMERR)');
    assert.equal(amplifier[3]! & 0x0f, 1, 'FORMERR');
    t.diagnostic(`compressed questions: ${sent[0]!.length} bytes in, ${amplifier.length} out`);
    assert.ok(amplifier.length <= sent[0]!.length, `${sent[0]!.length} bytes in, ${amplifier.length} out`);
    for (const id of [1, 2, 3]) assert.ok(replies.get(id)?.[0] && replies.get(id)![0]!.length <= sent[id]!.length, `crafted query ${id}`);
    let checked = 0;
    for (const [id, answers] of replies) {
      const input = sent[id]!;
      let wellFormed = false;
      let edns = false;
      try {
        const decoded = dnsPacket.decode(input);
        wellFormed = decoded.questions?.length === 1;
        edns = (decoded.additionals ?? []).some((record) => record.type === 'OPT');
      } catch {
        /* undecodable */
      }
      for (const reply of answers) {
        checked++;
        const code = reply[3]! & 0x0f;
        if (!wellFormed || code === 1 || code === 4)
          assert.ok(reply.length <= input.length, `query ${id}: ${input.length} bytes in, ${reply.length} out (rcode ${code})`);
        assert.ok(reply.length <= (edns ? 1232 : 512), `query ${id}: a ${reply.length}-byte UDP reply`);
      }
    }
    t.diagnostic(`${checked} replies to ${sent.length} queries checked`);
    assert.ok(checked > 100, `${checked} replies checked`);
  });

  test('dig: 512 bytes and TC without EDNS, the EDNS size with an OPT record, the full answer over TCP, BADVERS for EDNS 1', async (t) => {
    if (!requireTool(t, 'dig')) return;
    const name = `nope.${LONG_ZONE}`;
    const plain = await dig('127.0.0.1', port(), '+noedns', '+ignore', name);
    assert.equal(plain.status, 'NXDOMAIN', plain.output);
    assert.ok(plain.flags.includes('tc') && plain.size <= 512 && plain.edns === null, plain.output);
    const small = await dig('127.0.0.1', port(), '+bufsize=600', '+ignore', name);
    assert.ok(small.flags.includes('tc') && small.size <= 600, small.output);
    assert.match(small.edns ?? '', /version: 0, .*udp: 1232/, small.output);
    const large = await dig('127.0.0.1', port(), '+bufsize=1232', '+ignore', name);
    assert.ok(!large.flags.includes('tc') && large.size > 600 && large.size <= 1232, large.output);
    assert.match(large.output, /AUTHORITY SECTION:\n\S+\s+\d+\s+IN\s+SOA/);
    const tcp = await dig('127.0.0.1', port(), '+noedns', '+tcp', name);
    assert.ok(!tcp.flags.includes('tc') && tcp.size > 512 && tcp.edns === null, tcp.output);
    const badvers = await dig('127.0.0.1', port(), '+edns=1', '+noednsnegotiation', `ok.${LONG_ZONE}`);
    assert.equal(badvers.status, 'BADVERS', badvers.output);
    assert.equal(badvers.answers, 0);
    assert.match(badvers.edns ?? '', /version: 0/);
    const ok = await dig('127.0.0.1', port(), '+bufsize=1232', `ok.${LONG_ZONE}`);
    assert.deepEqual([ok.status, ok.records], ['NOERROR', ['127.0.0.1']], ok.output);
  });
});

/** Connects to 127.0.0.1:port and resolves once connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('DNS over TCP: the listener caps', () => {
  const fixture = useFarm({ only: ['dns-ok'], maxConnections: 3, maxHoldMs: 1500, controlPort: null });

  test('--max-connections resets one more connection, --max-hold-ms closes a connection that keeps asking', async () => {
    const port = fixture.listener('dns-ok').port;
    const faults: string[] = [];
    const record = (event: ListenerEvent) => event.type === 'fault' && faults.push(event.detail ?? '');
    fixture.farm.events.on('event', record);
    const frame = dnsPacket.streamEncode(query('ok.origin.test'));
    const started = performance.now();
    const held = await Promise.all([0, 1, 2].map(() => open(port)));
    // Each held connection asks a query every 200 ms and reads the replies, so it is never idle.
    const closedAfter = held.map(
      (socket) =>
        new Promise<number>((resolve) => {
          const timer = setInterval(() => socket.writable && socket.write(frame), 200);
          socket.on('error', () => undefined);
          socket.resume();
          socket.on('close', () => {
            clearInterval(timer);
            resolve(performance.now() - started);
          });
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const extra = await open(port).catch(() => null);
    const extraOutcome = await new Promise<string>((resolve) => {
      if (!extra) return resolve('refused');
      extra.on('data', () => resolve('answered'));
      extra.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      extra.on('close', () => resolve('closed'));
      extra.write(frame);
      setTimeout(() => resolve('still open'), 3000);
    });
    extra?.destroy();
    const closed = await Promise.race([Promise.all(closedAfter), new Promise<null>((resolve) => setTimeout(() => resolve(null), 8000))]);
    fixture.farm.events.off('event', record);
    for (const socket of held) socket.destroy();
    assert.ok(['ECONNRESET', 'closed', 'refused'].includes(extraOutcome), `a 4th connection: ${extraOutcome}`);
    assert.ok(closed, 'the held connections were closed');
    for (const ms of closed) assert.ok(ms >= 1400 && ms < 4500, `closed after ${Math.round(ms)} ms, cap 1500 ms`);
    assert.ok(
      faults.some((f) => f.includes('(--max-connections)')),
      faults.join('\n'),
    );
    assert.equal(faults.filter((f) => f.includes('(--max-hold-ms)')).length, 3, faults.join('\n'));
  });
});

describe('DNS over TCP: a message trickled a byte at a time', () => {
  const fixture = useFarm({ only: ['dns-ok'], headTimeoutMs: 800, controlPort: null });

  test('is closed at --head-timeout-ms although the connection is never idle; a whole query first is answered', async () => {
    const port = fixture.listener('dns-ok').port;
    const faults: string[] = [];
    const record = (event: ListenerEvent) => event.type === 'fault' && faults.push(event.detail ?? '');
    fixture.farm.events.on('event', record);
    const frame = dnsPacket.streamEncode(query('ok.origin.test'));
    const socket = await open(port);
    let answered = 0;
    socket.on('data', () => (answered += 1));
    socket.on('error', () => undefined);
    socket.write(frame);
    const started = performance.now();
    // One byte every 100 ms: never 10 s idle, never a whole message.
    let sent = 0;
    const timer = setInterval(() => socket.writable && sent < frame.length - 1 && socket.write(frame.subarray(sent, ++sent)), 100);
    const closedAfter = await new Promise<number | null>((resolve) => {
      socket.on('close', () => resolve(performance.now() - started));
      setTimeout(() => resolve(null), 5000);
    });
    clearInterval(timer);
    socket.destroy();
    fixture.farm.events.off('event', record);
    assert.ok(answered >= 1, 'the whole query was answered');
    assert.ok(closedAfter !== null && closedAfter >= 700 && closedAfter < 3000, `closed after ${closedAfter} ms, head timeout 800 ms`);
    assert.ok(
      faults.some((f) => f.includes('(--head-timeout-ms)')),
      faults.join('\n'),
    );
  });
});

describe('DNS over TCP: a client that never reads its replies', () => {
  const fixture = useFarm({ only: ['dns-ok'], controlPort: null });

  test('the farm stops answering and reading once its replies back up, instead of queueing them', async (t) => {
    const port = fixture.listener('dns-ok').port;
    let answered = 0;
    const count = (event: ListenerEvent) =>
      event.listener === 'dns-ok' && event.type === 'request' && event.detail?.startsWith('tcp ') && answered++;
    fixture.farm.events.on('event', count);
    const frame = dnsPacket.streamEncode(query('ok.origin.test'));
    const block = Buffer.concat(Array.from({ length: Math.floor(65536 / frame.length) }, () => frame));
    const blocks = 1024;
    const sent = (blocks * block.length) / frame.length;
    const socket = await open(port);
    socket.on('error', () => undefined);
    const rssBefore = process.memoryUsage().rss;
    // 64 MiB of queries (about 2 million), more than the kernel's socket buffers on both sides hold (tcp_rmem up to
    // 32 MiB, tcp_wmem 4 MiB); Node holds the unsent part (one block, referenced 1024 times). The client never
    // reads, so its replies back up into the farm.
    for (let i = 0; i < blocks; i++) socket.write(block);
    // Wait until the farm has answered nothing more for 1 s (at most 20 s; a paused connection is closed when idle
    // for 10 s, which a plateau of 1 s never reaches).
    let last = -1;
    let steady = 0;
    for (const deadline = Date.now() + 20_000; steady < 4 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      steady = answered === last ? steady + 1 : 0;
      last = answered;
    }
    const grown = process.memoryUsage().rss - rssBefore;
    fixture.farm.events.off('event', count);
    socket.destroy();
    t.diagnostic(`the farm answered ${answered} of ${sent} queries, then stopped; RSS grew by ${Math.round(grown / 1048576)} MiB`);
    assert.ok(steady >= 4, `the farm kept answering: ${answered} of ${sent} queries after 20 s`);
    assert.ok(answered > 0 && answered < sent, `answered ${answered} of ${sent}`);
    // Replies of 64 bytes held by the kernel (the farm's send buffer, at most tcp_wmem's 4 MiB, and the client's
    // receive buffer) and one write buffer: well under 200,000 of them.
    assert.ok(answered < 200_000, `answered ${answered} queries before stopping`);
    assert.ok(grown < 64 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1048576)} MiB`);
  });
});
