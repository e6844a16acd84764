// tls-ok against nginx serving the same certificate chain, key and body, as ratios taken in the same run:
// keep-alive requests/s, and new TLS handshakes/s (every request on a new connection: Connection: close), each
// also as the server's CPU time per request, which other work on the machine disturbs far less than a rate.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pki } from '../src/pki/index.js';
import { VALID_LEAF } from '../src/pki/leaf-spec.js';
import type { Figure } from './figure.js';
import { freePort, startFarmProcess, startNginx, startPlainHttps, wrk } from './processes.js';

const BODY = 'badorigin tls-ok: you got through\n';
const SECONDS = 5;
const CONNECTIONS = 32;

/**
 * The tls group: the packaged farm's tls-ok, nginx (one worker) and a bare node:https server with the same key, chain
 * and body, each measured by wrk (-t1 -c32, 5 s after a 1 s warm-up) over keep-alive and with Connection: close.
 * Rates in requests/s, CPU in µs per request. @throws Error (rejects) when a server does not start or wrk prints no rate.
 */
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
      const farmPid = farm.child.pid!;
      const nginxPid = nginx.child.pid!;
      const plainPid = plain.child.pid!;
      await wrk(farmUrl, 1, CONNECTIONS); // warm-up: JIT and caches
      await wrk(nginxUrl, 1, CONNECTIONS);
      await wrk(plainUrl, 1, CONNECTIONS);
      const farmKeepAlive = await wrk(farmUrl, SECONDS, CONNECTIONS, [], farmPid);
      const nginxKeepAlive = await wrk(nginxUrl, SECONDS, CONNECTIONS, [], nginxPid);
      const plainKeepAlive = await wrk(plainUrl, SECONDS, CONNECTIONS, [], plainPid);
      const farmClose = await wrk(farmUrl, SECONDS, CONNECTIONS, close, farmPid);
      const nginxClose = await wrk(nginxUrl, SECONDS, CONNECTIONS, close, nginxPid);
      const plainClose = await wrk(plainUrl, SECONDS, CONNECTIONS, close, plainPid);
      const [farmHandshakes, nginxHandshakes, plainHandshakes] = [farmClose.rps, nginxClose.rps, plainClose.rps];
      const [farmRps, nginxRps, plainRps] = [farmKeepAlive.rps, nginxKeepAlive.rps, plainKeepAlive.rps];
      /** Server CPU time per request (keep-alive) or per connection (Connection: close), in µs. */
      const cpuPerRequest = (run: { cpuMs: number; requests: number }) => (run.cpuMs * 1000) / run.requests;
      const cpuDetail =
        'user + system time of the server process during the wrk run (/proc/<pid>/stat), divided by the requests wrk counted: holds up when other work shares the cores, where a rate does not';
      const setup = `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s; farm = one Node process, nginx = one worker; RSA-2048 leaf + intermediate`;
      return [
        {
          name: 'tls-ok.keepalive',
          what: 'tls-ok requests/s over keep-alive',
          unit: 'req/s',
          value: farmRps,
          peer: { name: 'nginx', value: nginxRps, ratio: farmRps / nginxRps },
          target: '>= 0.6 x nginx',
          met: farmRps / nginxRps >= 0.6,
          detail: setup,
        },
        {
          name: 'tls-ok.keepalive.vs-node',
          what: 'tls-ok requests/s over keep-alive, against a bare node:https server',
          unit: 'req/s',
          value: farmRps,
          peer: { name: 'node:https', value: plainRps, ratio: farmRps / plainRps },
          target: 'informative',
          met: true,
          detail: setup,
        },
        {
          name: 'tls-ok.keepalive.cpu-per-request',
          what: 'tls-ok server CPU time per keep-alive request',
          unit: 'µs',
          value: cpuPerRequest(farmKeepAlive),
          peer: {
            name: 'nginx',
            value: cpuPerRequest(nginxKeepAlive),
            ratio: cpuPerRequest(farmKeepAlive) / cpuPerRequest(nginxKeepAlive),
          },
          target: 'informative',
          met: true,
          detail: cpuDetail,
        },
        {
          name: 'tls-ok.keepalive.cpu-per-request.vs-node',
          what: 'tls-ok server CPU time per keep-alive request, against a bare node:https server',
          unit: 'µs',
          value: cpuPerRequest(farmKeepAlive),
          peer: {
            name: 'node:https',
            value: cpuPerRequest(plainKeepAlive),
            ratio: cpuPerRequest(farmKeepAlive) / cpuPerRequest(plainKeepAlive),
          },
          target: 'informative',
          met: true,
          detail: cpuDetail,
        },
        {
          name: 'tls-ok.handshakes',
          what: 'tls-ok new TLS handshakes/s (Connection: close)',
          unit: 'handshakes/s',
          value: farmHandshakes,
          peer: { name: 'nginx', value: nginxHandshakes, ratio: farmHandshakes / nginxHandshakes },
          target: '>= 0.8 x nginx',
          met: farmHandshakes / nginxHandshakes >= 0.8,
          detail: setup,
        },
        {
          name: 'tls-ok.handshakes.vs-node',
          what: 'tls-ok new TLS handshakes/s, against a bare node:https server',
          unit: 'handshakes/s',
          value: farmHandshakes,
          peer: { name: 'node:https', value: plainHandshakes, ratio: farmHandshakes / plainHandshakes },
          target: 'informative',
          met: true,
          detail: setup,
        },
        {
          name: 'tls-ok.handshakes.cpu-per-handshake',
          what: 'tls-ok server CPU time per new TLS connection (handshake, one request, close)',
          unit: 'µs',
          value: cpuPerRequest(farmClose),
          peer: { name: 'nginx', value: cpuPerRequest(nginxClose), ratio: cpuPerRequest(farmClose) / cpuPerRequest(nginxClose) },
          target: 'informative',
          met: true,
          detail: cpuDetail,
        },
        {
          name: 'tls-ok.handshakes.cpu-per-handshake.vs-node',
          what: 'tls-ok server CPU time per new TLS connection, against a bare node:https server',
          unit: 'µs',
          value: cpuPerRequest(farmClose),
          peer: { name: 'node:https', value: cpuPerRequest(plainClose), ratio: cpuPerRequest(farmClose) / cpuPerRequest(plainClose) },
          target: 'informative',
          met: true,
          detail: cpuDetail,
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
