// The load generator of the handshakes benchmark, in its own process so that its work never runs on the measured
// server's event loop. Forked by bench/handshakes.ts with one JSON argument (HandshakeLoadOptions); it reports over
// IPC { type: 'done', result } or { type: 'error', error }.
//
// Each of `concurrency` loops opens a TCP connection, runs a TLS handshake with node:tls (rejectUnauthorized: false,
// so it goes on past the certificate a verifying client would refuse: the server does all the work of a failed
// handshake — ClientHello, key exchange, Certificate, the signature — and then some), closes the connection as soon
// as the handshake is done and starts the next one, until `seconds` have passed.
import { connect, type ConnectionOptions } from 'node:tls';

/** What to run: the server, for how long, with how many handshakes in flight, and the client's TLS settings. */
export interface HandshakeLoadOptions {
  port: number;
  /** How long to keep starting handshakes, in s. */
  seconds: number;
  /** Handshakes in flight at once. */
  concurrency: number;
  /** The client's protocol settings (node:tls), e.g. TLS 1.0 with `@SECLEVEL=0` ciphers for a TLS 1.0-only server. */
  tls: Pick<ConnectionOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'servername'>;
}

/** What the generator saw. Times in ms. */
export interface HandshakeLoadResult {
  /** Handshakes that reached secureConnect (the server's certificate received, the handshake finished). */
  handshakes: number;
  /** Connections that failed before that, with the first few reasons. */
  failed: number;
  failures: string[];
  wallMs: number;
  /** SHA-256 fingerprint of the leaf the server sent on the first handshake, and the protocol and cipher it chose. */
  leafFingerprint256: string;
  negotiated: string;
  /** The generator's own CPU time (user + system) over the run. */
  generatorCpuMs: number;
}

/** Runs the load. Resolves when every loop has stopped; never rejects (failures are counted). */
export function runHandshakeLoad(options: HandshakeLoadOptions): Promise<HandshakeLoadResult> {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const result: HandshakeLoadResult = {
    handshakes: 0,
    failed: 0,
    failures: [],
    wallMs: 0,
    leafFingerprint256: '',
    negotiated: '',
    generatorCpuMs: 0,
  };
  const one = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: options.port, rejectUnauthorized: false, ...options.tls });
      socket.once('secureConnect', () => {
        result.handshakes += 1;
        if (!result.leafFingerprint256) {
          result.leafFingerprint256 = socket.getPeerCertificate().fingerprint256;
          result.negotiated = `${socket.getProtocol()} ${socket.getCipher().name}`;
        }
        socket.destroy();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        result.failed += 1;
        if (result.failures.length < 5) result.failures.push(error.code ?? error.message);
      });
      socket.once('close', () => resolve());
    });
  const loop = async () => {
    while (performance.now() < deadline) await one();
  };
  return Promise.all(Array.from({ length: options.concurrency }, loop)).then(() => {
    const cpu = process.cpuUsage(cpuStart);
    result.wallMs = performance.now() - started;
    result.generatorCpuMs = (cpu.user + cpu.system) / 1000;
    return result;
  });
}

if (process.send) {
  const options = JSON.parse(process.argv[2]!) as HandshakeLoadOptions;
  try {
    process.send({ type: 'done', result: await runHandshakeLoad(options) });
  } catch (error) {
    process.send({ type: 'error', error: (error as Error).message });
  }
  process.disconnect();
}
