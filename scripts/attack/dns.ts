import { connect } from 'node:net';
import { runPool } from '../fuzz/pool.js';
import { awaitClosing, closingLine } from './closing.js';
import { tcpExchange, udpExchange } from './dns-clients.js';
import { garbageQuery, longNameQuery, plainQuery, pointerQuery, truncated } from './dns-queries.js';
import { defineSection, type AttackContext } from './section.js';
import { hold, sleep, type Held } from './sockets.js';

/** The farm's limit on a DNS TCP connection that never completes a message (its default head timeout), ms. */
const DNS_TCP_LIMIT_MS = 10_000;
const MARGIN_MS = 2000;
/** Largest UDP reply to a query without EDNS (RFC 1035 §4.2.1). */
const UDP_PLAIN_MAX = 512;
/** The amplification query: 250 questions in 1,765 bytes (dns-queries.ts pointerQuery). */
const AMPLIFIER_QUESTIONS = 250;

/** (a) Connections that announce a 256-byte message and send one byte of it a second: closed at the farm's limit. */
async function trickle({ signal, track, figure, fail }: AttackContext, port: number, count: number): Promise<void> {
  const held: Held[] = [];
  await runPool(count, 64, async () => {
    if (!signal.aborted) held.push(track(await hold({ port }, { send: Buffer.from([1, 0]), keepReading: true })));
  });
  const drip = setInterval(() => {
    for (const h of held) if (Number.isNaN(h.closedAt) && h.socket.writable) h.socket.write(Buffer.from([0]));
  }, 1000);
  const limit = DNS_TCP_LIMIT_MS + MARGIN_MS;
  const r = await awaitClosing(held, limit).finally(() => clearInterval(drip));
  figure(`(a) ${closingLine(`${held.length} TCP connections trickling 1 byte/s`, r, limit)}`);
  if (r.late + r.open)
    fail(`(a) ${r.late + r.open} of ${held.length} trickling DNS TCP connections not closed by the farm within ${limit} ms`);
}

/** (b) One TCP connection that sends `count` amplification queries and never reads a reply. */
async function neverReads({ farm, figure, signal }: AttackContext, port: number, apex: string, count: number): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve).once('close', resolve));
  // No 'data' listener: node:net reads until its 16 KiB buffer is full, then leaves the rest to the kernel.
  let total = 0;
  for (let i = 0; i < count; i++) {
    const query = pointerQuery(i & 0xffff, AMPLIFIER_QUESTIONS, apex);
    socket.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]));
    total += query.length + 2;
  }
  // The client cannot see what the farm has done with them: wait until every byte has left this process and the
  // farm's CPU has gone quiet (under 20% of a core over 500 ms), at most 30 s.
  const started = performance.now();
  const sent = () => socket.bytesWritten - socket.writableLength;
  for (let cpu = farm.cpuMs(); performance.now() - started < 30_000 && !socket.destroyed && !signal.aborted; ) {
    await sleep(500);
    const now = farm.cpuMs();
    if (sent() >= total && now - cpu < 100) break;
    cpu = now;
  }
  figure(
    `(b) ${count} queries (${(total / 2 ** 20).toFixed(1)} MiB) on one TCP connection that never reads: ${(sent() / 2 ** 20).toFixed(1)} MiB taken by the farm; it was busy for ${Math.round(performance.now() - started)} ms`,
  );
  socket.destroy();
}

/** (c) UDP answers: never larger than the query (no amplification), and at most 512 bytes (TC set) without EDNS. */
async function udpSizes({ figure, fail }: AttackContext, port: number, apex: string, okName: string): Promise<void> {
  for (const [what, query] of [
    [`${AMPLIFIER_QUESTIONS} questions by compression pointer`, pointerQuery(1, AMPLIFIER_QUESTIONS, apex)],
    ['a header and no parseable question', garbageQuery(2, 1765)],
  ] as const) {
    const reply = await udpExchange(port, query);
    figure(`(c) malformed query over UDP, ${what}, ${query.length} bytes: ${reply ? `${reply.length}-byte reply` : 'no reply'}`);
    if (reply && reply.length > query.length)
      fail(
        `(c) a ${query.length}-byte query (${what}) got a ${reply.length}-byte UDP reply (amplification ${(reply.length / query.length).toFixed(1)}x)`,
      );
  }
  for (const [what, query] of [
    ['3 questions by compression pointer', pointerQuery(3, 3, apex)],
    ['a 255-byte name', longNameQuery(4, apex)],
    [okName, plainQuery(5, okName)],
  ] as const) {
    const [udp, tcp] = await Promise.all([udpExchange(port, query), tcpExchange(port, query)]);
    figure(
      `(c) query without EDNS, ${what}, ${query.length} bytes: UDP ${udp ? `${udp.length} bytes${truncated(udp) ? ' TC' : ''}` : 'no reply'}, TCP ${tcp ? `${tcp.length} bytes` : 'no reply'}`,
    );
    if (!udp) fail(`(c) a query without EDNS (${what}) got no UDP reply${tcp ? `, but a ${tcp.length}-byte one over TCP` : ''}`);
    else if (udp.length > UDP_PLAIN_MAX)
      fail(`(c) a query without EDNS (${what}) got a ${udp.length}-byte UDP reply, over ${UDP_PLAIN_MAX}`);
    else if (tcp && tcp.length > UDP_PLAIN_MAX && !truncated(udp))
      fail(`(c) the full answer (${what}) is ${tcp.length} bytes over TCP, but the UDP reply has no TC bit`);
  }
}

/**
 * Attack 6, on the embedded DNS server (UDP and TCP on one port): (a) TCP connections trickling bytes, (b) a TCP
 * client that sends many queries and never reads, (c) UDP replies larger than their query or than 512 bytes.
 * (a) runs alongside (c) and then (b); the peak RSS bound covers (b).
 */
export const dns = defineSection({
  name: 'dns',
  title: 'DNS: trickling TCP, a TCP client that never reads, UDP amplification',
  counts: { full: { trickle: 500, queries: 10_000 }, short: { trickle: 100, queries: 2000 } },
  deadlineMs: { full: 90_000, short: 40_000 },
  peakRss: true,
  async attack(context, { trickle: connections, queries }) {
    const listener = context.farm.manifest.listeners.find((l) => l.transport === 'dns' && l.scenario === 'dns-ok' && l.query);
    if (!listener?.query) throw new Error('the farm runs no dns-ok listener');
    const apex = listener.query.name.replace(/\.$/, '').split('.').slice(1).join('.');
    // (c) measures sizes, not speed: it goes before (b) keeps the farm busy; (a) waits out its limit meanwhile.
    await Promise.all([
      trickle(context, listener.port, connections),
      udpSizes(context, listener.port, apex, listener.query.name).then(() => neverReads(context, listener.port, apex, queries)),
    ]);
  },
});
