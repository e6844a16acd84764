import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

/** Sends one UDP datagram to 127.0.0.1:`port` and resolves with the first reply, or null after `timeoutMs`. */
export function udpExchange(port: number, query: Buffer, timeoutMs = 3000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (reply: Buffer | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('message', (message) => done(message));
    socket.on('error', () => done(null));
    socket.send(query, port, '127.0.0.1');
  });
}

/** Sends one query over TCP (2-byte length prefix, RFC 1035 §4.2.2) and resolves with the reply, or null. */
export function tcpExchange(port: number, query: Buffer, timeoutMs = 5000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    const done = (reply: Buffer | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) done(data.subarray(2, 2 + data.readUInt16BE(0)));
    });
    socket.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]));
  });
}
