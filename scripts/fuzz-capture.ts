// Captures the first TLS record real clients send (Node's tls, openssl s_client, gnutls-cli, curl) and writes them to
// scripts/fuzz/hellos.json, the seeds the ClientHello fuzzer mutates. Committed, so a fuzz run is reproducible from
// its seed alone; rerun (`npx tsx scripts/fuzz-capture.ts`) to refresh them after a client upgrade.
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { runClient } from '../src/clients/run-client.js';
import { readUntil } from '../src/listeners/connection/read-until.js';
import { tlsRecordEnd } from '../src/tls/records.js';
import { parseClientHelloRecord } from '../src/tls/client-hello.js';
import type { CapturedHello } from './fuzz/hello-seeds.js';

const OUT = fileURLToPath(new URL('./fuzz/hellos.json', import.meta.url));

/** One client to capture: a name and how to make it connect to `port`. */
interface Capture {
  client: string;
  run(port: number): Promise<unknown>;
}

function nodeClient(name: string, options: ConnectionOptions): Capture {
  return {
    client: `node ${process.version} tls.connect ${name}`,
    run: (port) =>
      new Promise<void>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      }),
  };
}

function commandClient(client: string, argv: (port: number) => string[]): Capture {
  return {
    client,
    run: (port) =>
      runClient(argv(port), 5000).catch((error: Error) => {
        throw new Error(`${client}: ${error.message}`);
      }),
  };
}

const CAPTURES: Capture[] = [
  nodeClient('default (TLS 1.3, SNI localhost)', { servername: 'localhost' }),
  nodeClient('maxVersion TLSv1.2, ALPN h2,http/1.1', { servername: 'localhost', maxVersion: 'TLSv1.2', ALPNProtocols: ['h2', 'http/1.1'] }),
  nodeClient('no SNI, TLSv1 allowed, SECLEVEL=0', { servername: '', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
  commandClient('openssl s_client (default)', (p) => ['openssl', 's_client', '-connect', `127.0.0.1:${p}`, '-servername', 'localhost']),
  commandClient('openssl s_client -tls1_2 -alpn http/1.1', (p) => [
    'openssl',
    's_client',
    '-connect',
    `127.0.0.1:${p}`,
    '-servername',
    'localhost',
    '-tls1_2',
    '-alpn',
    'http/1.1',
  ]),
  commandClient('openssl s_client -tls1 SECLEVEL=0', (p) => [
    'openssl',
    's_client',
    '-connect',
    `127.0.0.1:${p}`,
    '-servername',
    'localhost',
    '-tls1',
    '-cipher',
    'DEFAULT@SECLEVEL=0',
  ]),
  commandClient('openssl s_client -cipher RC4-SHA:RC4-MD5 -tls1_2 SECLEVEL=0', (p) => [
    'openssl',
    's_client',
    '-connect',
    `127.0.0.1:${p}`,
    '-servername',
    'localhost',
    '-tls1_2',
    '-cipher',
    'RC4-SHA:RC4-MD5:AES128-SHA:@SECLEVEL=0',
  ]),
  commandClient('gnutls-cli (default)', (p) => ['gnutls-cli', '--insecure', '--port', String(p), 'localhost']),
  commandClient('gnutls-cli NORMAL:+VERS-TLS1.0:+VERS-TLS1.1', (p) => [
    'gnutls-cli',
    '--insecure',
    '--priority',
    'NORMAL:+VERS-TLS1.0:+VERS-TLS1.1',
    '--port',
    String(p),
    'localhost',
  ]),
  commandClient('curl (OpenSSL, ALPN h2)', (p) => ['curl', '-sk', '--max-time', '3', `https://localhost:${p}/`]),
];

/** Accepts one connection at a time and resolves each waiter with the first complete TLS record it got. */
async function captureAll(): Promise<CapturedHello[]> {
  const waiting: ((record: Buffer | null) => void)[] = [];
  const server = createServer((socket: Socket) => {
    void readUntil(socket, tlsRecordEnd, { maxBytes: 20_000, timeoutMs: 5000 }).then((bytes) => {
      socket.destroy();
      waiting.shift()?.(bytes ? bytes.subarray(0, tlsRecordEnd(bytes) ?? bytes.length) : null);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const out: CapturedHello[] = [];
  try {
    for (const capture of CAPTURES) {
      const record = new Promise<Buffer | null>((resolve) => waiting.push(resolve));
      await capture.run(port);
      const bytes = await record;
      if (!bytes) throw new Error(`${capture.client}: no complete record captured`);
      const parsed = parseClientHelloRecord(bytes);
      if (!parsed.ok) throw new Error(`${capture.client}: captured a record that is not a ClientHello (${parsed.reason})`);
      out.push({ client: capture.client, hex: bytes.toString('hex') });
      process.stdout.write(
        `${capture.client}: ${bytes.length} bytes, ${parsed.hello.extensions.length} extensions, ${parsed.hello.cipherSuites.length} suites\n`,
      );
    }
  } finally {
    server.close();
  }
  return out;
}

const hellos = await captureAll();
writeFileSync(OUT, `${JSON.stringify({ captured: new Date().toISOString().slice(0, 10), hellos }, null, 2)}\n`);
process.stdout.write(`wrote ${hellos.length} ClientHellos to ${OUT}\n`);
