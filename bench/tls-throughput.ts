// tls-ok against nginx serving the same certificate chain, key and body, as ratios taken in the same run:
// keep-alive requests/s, and new TLS handshakes/s (every request on a new connection: Connection: close).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pki } from '../src/pki/index.js';
import { VALID_LEAF } from '../src/pki/leaf-spec.js';
import type { Figure } from './figure.js';
import { startFarmProcess, startNginx, startPlainHttps, wrk } from './processes.js';

const BODY = 'badorigin tls-ok: you got through\n';
const SECONDS = 5;
const CONNECTIONS = 32;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function tlsThroughputFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-tls-'));
  const certsDir = join(dir, 'certs');
  const farm = await startFarmProcess(['tls-ok'], certsDir);
  try {
    const pki = await Pki.open({ certsDir, hostnames: ['localhost'], ips: ['127.0.0.1', '::1'] }, [VALID_LEAF]);
    const chain = pki.chain(VALID_LEAF);
    writeFileSync(join(dir, 'key.pem'), chain.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'chain.pem'), chain.chainPem);
    const nginxPort = await freePort();
    const nginx = await startNginx(nginxPort, join(dir, 'key.pem'), join(dir, 'chain.pem'), BODY);
    const plain = await startPlainHttps(join(dir, 'key.pem'), join(dir, 'chain.pem'));
    try {
      const plainUrl = `https://127.0.0.1:${plain.port}/`;
      const farmUrl = `https://127.0.0.1:${farm.manifest.listeners[0]!.port}/`;
      const nginxUrl = `https://127.0.0.1:${nginxPort}/`;
      const close = ['-H', 'Connection: close'];
      await wrk(farmUrl, 1, CONNECTIONS); // warm-up: JIT and caches
      await wrk(nginxUrl, 1, CONNECTIONS);
      await wrk(plainUrl, 1, CONNECTIONS);
      const farmRps = await wrk(farmUrl, SECONDS, CONNECTIONS);
      const nginxRps = await wrk(nginxUrl, SECONDS, CONNECTIONS);
      const plainRps = await wrk(plainUrl, SECONDS, CONNECTIONS);
      const farmHandshakes = await wrk(farmUrl, SECONDS, CONNECTIONS, close);
      const nginxHandshakes = await wrk(nginxUrl, SECONDS, CONNECTIONS, close);
      const plainHandshakes = await wrk(plainUrl, SECONDS, CONNECTIONS, close);
      const setup = `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s; farm = one Node process, nginx = one worker; RSA-2048 leaf + intermediate`;
      return [
        {
          name: 'tls-ok.keepalive', what: 'tls-ok requests/s over keep-alive', unit: 'req/s', value: farmRps,
          peer: { name: 'nginx', value: nginxRps, ratio: farmRps / nginxRps }, target: '>= 0.6 x nginx', met: farmRps / nginxRps >= 0.6, detail: setup,
        },
        {
          name: 'tls-ok.keepalive.vs-node', what: 'tls-ok requests/s over keep-alive, against a bare node:https server', unit: 'req/s', value: farmRps,
          peer: { name: 'node:https', value: plainRps, ratio: farmRps / plainRps }, target: 'informative', met: true, detail: setup,
        },
        {
          name: 'tls-ok.handshakes.vs-node', what: 'tls-ok new TLS handshakes/s, against a bare node:https server', unit: 'handshakes/s', value: farmHandshakes,
          peer: { name: 'node:https', value: plainHandshakes, ratio: farmHandshakes / plainHandshakes }, target: 'informative', met: true, detail: setup,
        },
        {
          name: 'tls-ok.handshakes', what: 'tls-ok new TLS handshakes/s (Connection: close)', unit: 'handshakes/s', value: farmHandshakes,
          peer: { name: 'nginx', value: nginxHandshakes, ratio: farmHandshakes / nginxHandshakes }, target: '>= 0.8 x nginx', met: farmHandshakes / nginxHandshakes >= 0.8, detail: setup,
        },
      ];
    } finally {
      nginx.stop();
      plain.stop();
    }
  } finally {
    farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
