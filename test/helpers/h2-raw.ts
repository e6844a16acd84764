import { connect, type TLSSocket } from 'node:tls';

/**
 * Opens a TLS connection offering ALPN h2 to 127.0.0.1:`port` (no certificate check: these tests look at what the
 * farm does with bytes, not at its certificate), sends `bytes`, and resolves with everything the server sent until
 * it closed, or until `timeoutMs` passed (then `closed` is false).
 */
export function h2Exchange(
  port: number,
  bytes: Buffer,
  timeoutMs = 3000,
): Promise<{ received: Buffer; closed: boolean; alpn: string | false }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let socket: TLSSocket | undefined;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve({ received: Buffer.concat(chunks), closed, alpn: socket?.alpnProtocol ?? false });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () =>
      socket!.write(bytes),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => done(true));
  });
}
