import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import { runClient } from '../../src/clients/run-client.js';

/** Sends one UDP datagram to `host:port` and resolves with the first reply, or null after `ms`. */
export function udpExchange(port: number, bytes: Buffer, ms = 1000, host = '127.0.0.1'): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(null);
    }, ms);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message);
    });
    socket.send(bytes, port, host);
  });
}

/** Sends one length-prefixed DNS message over TCP and resolves with the decoded reply (10 s limit). */
export function tcpExchange(port: number, query: Packet): Promise<Packet> {
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
export const rcode = (packet: Packet) => ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][(packet.flags ?? 0) & 0x0f];
export const truncated = (packet: Packet) => ((packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0;
export const addressesOf = (packet: Packet) => (packet.answers ?? []).map((answer) => (answer as { data: unknown }).data);

/** A query with RD set and one question. */
export const query = (name: string, id = 1234, type: 'A' | 'AAAA' | 'SOA' | 'NS' = 'A'): Packet => ({
  type: 'query',
  id,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ type, name }],
});

/** What dig printed: status (or `timeout`), header flags, answer count, the answer section's data, reply size, the OPT line. */
export interface DigResult {
  status: string;
  flags: string[];
  answers: number;
  /** RDATA of each record in the answer section (`127.0.0.1`, `::1`). */
  records: string[];
  /** `MSG SIZE rcvd`, in bytes (0 when no reply). */
  size: number;
  /** dig's `; EDNS:` line of the reply's OPT record, or null when the reply had none. */
  edns: string | null;
}

/** Parses dig's default output. */
export function parseDig(output: string): DigResult {
  const status = /status: (\w+)/.exec(output)?.[1] ?? (/timed out|no servers could be reached/.test(output) ? 'timeout' : 'unparsed');
  const answerSection = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(output)?.[1] ?? '';
  return {
    status,
    flags: (/flags: ([\w ]+);/.exec(output)?.[1] ?? '').split(' ').filter(Boolean),
    answers: Number(/ANSWER: (\d+)/.exec(output)?.[1] ?? 0),
    records: answerSection
      .split('\n')
      .filter(Boolean)
      .map((line) => line.trim().split(/\s+/).at(-1)!),
    size: Number(/MSG SIZE\s+rcvd: (\d+)/.exec(output)?.[1] ?? 0),
    edns: /^; EDNS: .*$/m.exec(output)?.[0] ?? null,
  };
}

/** Runs `dig @server -p port …args` with one try and a 3 s limit, and parses what it printed. */
export async function dig(server: string, port: number, ...args: string[]): Promise<DigResult & { output: string }> {
  const result = await runClient(['dig', `@${server}`, '-p', String(port), '+tries=1', '+time=3', ...args], 10_000);
  return { ...parseDig(result.stdout), output: result.stdout };
}
