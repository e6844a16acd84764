import dnsPacket, { type Packet } from 'dns-packet';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { FarmError } from '../../errors.js';
import type { ListenerEvent, PortOwner } from '../mechanism.js';
import { answer, formatErrorFor, type DnsZone } from './answers.js';

/** TCP limits: a message is at most 65535 bytes (RFC 1035 §4.2.2); an idle connection is closed after 10 s. */
const TCP_IDLE_MS = 10_000;
const MAX_PENDING_REPLIES = 10_000;

/**
 * An authoritative DNS server for one zone over UDP and TCP on the same port (RFC 1035 §4.2, RFC 7766), built on
 * dns-packet for the wire format. Malformed queries get FORMERR (or are dropped when there is no header); nothing
 * a client sends can throw out of it. Delayed replies (`slow`) are bounded in number and cancelled on close.
 */
export class DnsServer implements PortOwner {
  warning?: string;
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * @param id names the server in error messages.
   * @param emitFor the event reporter of the listener a query belongs to, by the label asked (null: none of them).
   */
  constructor(
    private readonly id: string,
    private readonly zone: DnsZone,
    private readonly emitFor: (label: string | null) => (event: Omit<ListenerEvent, 'listener' | 'time'>) => void,
  ) {}

  private get emit() {
    return this.emitFor(null);
  }

  /**
   * Binds UDP, then TCP on the same port (for port 0, retries a few ephemeral ports until both are free).
   * @throws FarmError naming the port when it cannot be bound.
   */
  async listen(host: string, port: number): Promise<number> {
    for (let attempt = 0; attempt < (port === 0 ? 10 : 1); attempt++) {
      const udpPort = await this.bindUdp(host, port);
      try {
        await this.bindTcp(host, udpPort);
        return udpPort;
      } catch (error) {
        this.udp?.close();
        this.udp = null;
        if (port !== 0) throw error;
      }
    }
    throw new FarmError('EADDRINUSE', `no free port for both UDP and TCP on ${host} (listener ${this.id})`);
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = null;
    this.tcp = null;
    return Promise.all([
      new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve())),
    ]).then(() => undefined);
  }

  private failure(host: string, port: number, error: NodeJS.ErrnoException): FarmError {
    const why = error.code === 'EADDRINUSE' ? 'is already in use' : error.code === 'EACCES' ? 'needs privileges to bind' : `cannot be bound (${error.code})`;
    return new FarmError(error.code ?? 'LISTEN_FAILED', `port ${port} on ${host} (listener ${this.id}, DNS) ${why}`);
  }

  private bindUdp(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
      udp.once('error', (error) => reject(this.failure(host, port, error)));
      udp.on('message', (message, peer) => this.onQuery(message, 'udp', (bytes) => udp.send(bytes, peer.port, peer.address, () => undefined)));
      udp.bind({ address: host, port, exclusive: true }, () => {
        udp.removeAllListeners('error');
        udp.on('error', (error) => this.emit({ type: 'handler-error', error: error.message }));
        this.udp = udp;
        resolve(udp.address().port);
      });
    });
  }

  private bindTcp(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const tcp = createServer((socket) => this.onTcpConnection(socket));
      tcp.once('error', (error) => reject(this.failure(host, port, error)));
      tcp.listen({ host, port, exclusive: true }, () => {
        tcp.removeAllListeners('error');
        tcp.on('error', () => undefined);
        this.tcp = tcp;
        resolve();
      });
    });
  }

  private onTcpConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      // Each message has a two-byte length prefix; a 65535-byte message plus its prefix is the most we ever hold.
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const message = buffer.subarray(2, 2 + buffer.readUInt16BE(0));
        buffer = buffer.subarray(2 + message.length);
        this.onQuery(message, 'tcp', (bytes) => {
          if (socket.writable) socket.write(Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]));
        });
      }
    });
  }

  private onQuery(message: Buffer, over: 'udp' | 'tcp', send: (bytes: Buffer) => void): void {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      const formerr = formatErrorFor(message);
      this.emit({ type: 'handler-error', error: 'malformed DNS query' });
      if (formerr) send(formerr);
      return;
    }
    const name = query.questions?.[0]?.name?.toLowerCase().replace(/\.$/, '') ?? '';
    const label = name.endsWith(`.${this.zone.apex}`) ? name.slice(0, -(this.zone.apex.length + 1)) : null;
    this.emitFor(label)({ type: 'request', detail: `${over} ${query.questions?.[0]?.type ?? '?'} ${name}` });
    let reply;
    try {
      reply = answer(query, this.zone, over);
    } catch (error) {
      this.emit({ type: 'handler-error', error: (error as Error).message });
      const formerr = formatErrorFor(message);
      if (formerr) send(formerr);
      return;
    }
    if (!reply) return;
    const bytes = dnsPacket.encode(reply.packet);
    if (reply.delayMs <= 0) return send(bytes);
    if (this.timers.size >= MAX_PENDING_REPLIES) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send(bytes);
    }, reply.delayMs);
    this.timers.add(timer);
  }
}
