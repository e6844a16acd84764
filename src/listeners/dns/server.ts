import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import { bindError, farmError, type FarmError } from '../../errors.js';
import { admitConnection, headTimeoutDetail, type Admission, type ListenerCaps } from '../caps.js';
import { CapFaultReporter, type ConnectionBudget } from '../connection-budget.js';
import { nextConnectionNumber } from '../connection-number.js';
import type { ListenerEvent, PortOwner } from '../mechanism.js';
import type { DnsZone } from './answers.js';
import { servedAddresses, type ServedAddresses } from './bound-addresses.js';
import { respond } from './respond.js';

/** Reports one event for the listener it belongs to. */
export type DnsEmit = (event: Omit<ListenerEvent, 'listener' | 'time'>) => void;

/** Where the server's events go. */
export interface DnsReporters {
  /** The listener of a name of the zone (its label, e.g. `ok`), or undefined for a name no scenario serves. */
  forLabel(label: string): DnsEmit | undefined;
  /** The listener that carries the port's own events: malformed messages and the TCP caps. */
  port: DnsEmit;
}

/** An idle TCP connection (no byte read or written) is closed after 10 s (RFC 7766 §6.2.3 leaves it to the server). */
const TCP_IDLE_MS = 10_000;
/** Most messages of one TCP connection answered in one turn of the event loop. */
const MESSAGES_PER_TURN = 64;
/** Most delayed replies (`slow`) waiting at once, over UDP and TCP together; more are dropped. */
const MAX_PENDING_REPLIES = 10_000;
/** Ephemeral ports tried for one that is free for both UDP and TCP (port 0 binds UDP first, then TCP on its port). */
const EPHEMERAL_ATTEMPTS = 10;

/**
 * An authoritative DNS server for one zone over UDP and TCP on the same port (RFC 1035 §4.2, RFC 7766), built on
 * dns-packet for the wire format (respond.ts: what goes back for each message, EDNS and the UDP size limits).
 * Names resolve to the addresses the server itself is bound to (bound-addresses.ts). Over TCP it applies the
 * listener caps (`maxConnections`, `maxHoldMs`, and `headTimeoutMs` for each message) and stops reading from a client that does not read its replies,
 * so nothing is queued without bound. Nothing a client sends can throw out of it; delayed replies are bounded in
 * number and cancelled on close.
 */
export class DnsServer implements PortOwner {
  warning?: string;
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private served: ServedAddresses = { ipv4: [], ipv6: [] };
  private readonly sockets = new Set<Socket>();
  private readonly admission: Admission;
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * @param id names the server in error messages.
   * @param caps the listener caps applied to each TCP connection (`maxHeaderBytes`/`maxHeaders` do not apply).
   * @param budget the farm-wide connection budget each TCP connection takes a slot of.
   */
  constructor(
    private readonly id: string,
    private readonly zone: DnsZone,
    private readonly report: DnsReporters,
    private readonly caps: Pick<ListenerCaps, 'maxConnections' | 'maxHoldMs' | 'headTimeoutMs'>,
    budget: ConnectionBudget,
  ) {
    this.admission = { sockets: this.sockets, caps, budget, capFaults: new CapFaultReporter(report.port) };
  }

  /**
   * Binds UDP, then TCP on the same port (for port 0, retries a few ephemeral ports until both are free).
   * @throws FarmError naming the port when it cannot be bound.
   */
  async listen(host: string, port: number): Promise<number> {
    const attempts = port === 0 ? EPHEMERAL_ATTEMPTS : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const udpPort = await this.bindUdp(host, port);
      try {
        const bound = await this.bindTcp(host, udpPort);
        this.served = servedAddresses(bound.address, this.zone.publicIps);
        return udpPort;
      } catch (error) {
        this.udp?.close();
        this.udp = null;
        if (port !== 0) throw error;
      }
    }
    throw farmError('EADDRINUSE', `each of ${attempts} ephemeral ports tried for both UDP and TCP on ${host} (listener ${this.id}, DNS)`);
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
    return bindError(`port ${port} on ${host} (listener ${this.id}, DNS)`, error);
  }

  private bindUdp(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
      udp.once('error', (error) => reject(this.failure(host, port, error)));
      udp.on('message', (message, peer) =>
        this.onMessage(
          message,
          'udp',
          (bytes) => udp.send(bytes, peer.port, peer.address, () => undefined),
          `${peer.address}:${peer.port}`,
        ),
      );
      udp.bind({ address: host, port, exclusive: true }, () => {
        udp.removeAllListeners('error');
        udp.on('error', (error) => this.report.port({ type: 'handler-error', error: error.message }));
        this.udp = udp;
        resolve(udp.address().port);
      });
    });
  }

  /** Binds TCP and resolves with the address the kernel reports (what the names of the zone resolve to). */
  private bindTcp(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const tcp = createServer((socket) => this.onTcpConnection(socket));
      tcp.once('error', (error) => reject(this.failure(host, port, error)));
      tcp.listen({ host, port, exclusive: true }, () => {
        tcp.removeAllListeners('error');
        tcp.on('error', () => undefined);
        this.tcp = tcp;
        resolve(tcp.address() as AddressInfo);
      });
    });
  }

  /**
   * The one place a TCP connection is admitted: under `maxConnections` open at once (one more is reset) and for at
   * most `maxHoldMs` (then closed); each is a `fault` event naming the flag, as on every other listener.
   * @returns false when the connection was refused (it is already being reset).
   */
  private admitTcp(socket: Socket): boolean {
    socket.on('error', () => socket.destroy());
    return admitConnection(socket, this.admission, (detail) => this.report.port({ type: 'fault', detail }));
  }

  /**
   * Reads length-prefixed messages (RFC 1035 §4.2.2) and answers them in order. While the socket's write buffer is
   * above its high-water mark the connection is paused: no further message is answered and no byte read until the
   * client has taken the replies ('drain'), so one that never reads costs the farm at most a buffer of each kind.
   */
  private onTcpConnection(socket: Socket): void {
    if (!this.admitTcp(socket)) return;
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    let buffer: Buffer = Buffer.alloc(0);
    const send = (bytes: Buffer) => {
      if (socket.writable) socket.write(Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]));
    };
    const complete = () => buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0);
    // Like a request head, a message must be complete within --head-timeout-ms of the previous one (or the
    // accept): a client trickling bytes keeps the idle timer alive but never gets past this.
    let deadline: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(deadline);
      deadline = setTimeout(() => {
        if (buffer.length === 0 || complete()) return;
        this.report.port({ type: 'fault', detail: headTimeoutDetail(this.caps.headTimeoutMs) });
        socket.destroy();
      }, this.caps.headTimeoutMs);
      deadline.unref();
    };
    socket.once('close', () => clearTimeout(deadline));
    arm();
    let scheduled = false;
    const pump = () => {
      scheduled = false;
      // A message is at most 65535 bytes plus its prefix: that, and one chunk, is the most ever held here.
      let answered = 0;
      while (!socket.writableNeedDrain && complete() && answered < MESSAGES_PER_TURN) {
        const message = buffer.subarray(2, 2 + buffer.readUInt16BE(0));
        buffer = buffer.subarray(2 + message.length);
        this.onMessage(message, 'tcp', send, `${socket.remoteAddress}:${socket.remotePort}`);
        answered += 1;
        arm();
      }
      if (socket.writableNeedDrain) return void socket.pause();
      // A burst of queued messages is answered a turn at a time, so other listeners are served in between.
      if (complete()) {
        socket.pause();
        if (!scheduled) setImmediate(pump);
        scheduled = true;
        return;
      }
      socket.resume();
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      pump();
    });
    socket.on('drain', pump);
  }

  /** Answers one message; a query of the zone is a `request` event of its name's listener, numbered as a connection. */
  private onMessage(message: Buffer, over: 'udp' | 'tcp', send: (bytes: Buffer) => void, peer: string): void {
    let outcome: ReturnType<typeof respond>;
    try {
      outcome = respond(message, this.zone, this.served, over);
    } catch (error) {
      this.report.port({ type: 'handler-error', error: `DNS message over ${over}: ${(error as Error).message}` });
      return;
    }
    if (outcome.kind === 'malformed') {
      const replied = outcome.reply ? `answered ${outcome.reply.length} bytes` : 'dropped';
      // Rate-limited like the caps: a flood of malformed messages is a few summary events, not one each.
      this.admission.capFaults.report(`malformed DNS message over ${over} (${outcome.why}), ${replied}`);
      if (outcome.reply) send(outcome.reply);
      return;
    }
    const emit = outcome.label === null ? undefined : this.report.forLabel(outcome.label);
    const dns = { ...outcome.question, transport: over, answer: outcome.answer };
    emit?.({ type: 'request', detail: outcome.detail, connection: nextConnectionNumber(), peer, dns });
    const bytes = outcome.reply;
    if (!bytes) return;
    if (outcome.delayMs <= 0) return send(bytes);
    if (this.timers.size >= MAX_PENDING_REPLIES) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send(bytes);
    }, outcome.delayMs);
    this.timers.add(timer);
  }
}
