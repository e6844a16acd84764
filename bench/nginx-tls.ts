// nginx (one worker, like the single farm process) terminating TLS on several ports, each with its own key, chain
// and protocol settings: the peer of the farm's certificate and protocol faults, as badssl.com serves them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isListening, writeNginxConf } from './processes.js';

/** One TLS server block: its port, PEM files, and the protocol settings of the farm listener it stands for. */
export interface NginxTlsServer {
  port: number;
  keyFile: string;
  chainFile: string;
  /** nginx `ssl_protocols` words, e.g. `TLSv1.2 TLSv1.3` or `TLSv1`. */
  protocols: string;
  /** nginx `ssl_ciphers` (an OpenSSL cipher list), when the farm listener sets its own. */
  ciphers?: string;
}

/**
 * Starts nginx (`master_process off`, one worker) with one `server` per entry, each answering 200 to any request it
 * gets past the handshake; session cache and tickets are left at nginx's defaults (no cache; tickets on, as Node's
 * server has them). @throws Error (rejects) when a port is not listening after 10 s (nginx's error log quoted).
 */
export async function startNginxTls(servers: NginxTlsServer[]): Promise<{ child: ChildProcess; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-nginx-tls-'));
  const blocks = servers.map(
    (s) => `  server {
    listen 127.0.0.1:${s.port} ssl; ssl_certificate ${s.chainFile}; ssl_certificate_key ${s.keyFile};
    ssl_protocols ${s.protocols};${s.ciphers ? ` ssl_ciphers ${JSON.stringify(s.ciphers)};` : ''}
    location / { default_type text/plain; return 200 "nginx\\n"; }
  }`,
  );
  const conf = writeNginxConf(dir, blocks.join('\n'));
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const stop = () => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true }));
  const deadline = Date.now() + 10_000;
  while (!servers.every((s) => isListening(s.port))) {
    if (spawnError) throw new Error(`nginx could not be started (${spawnError.message}): apt-get install -y nginx`);
    if (Date.now() > deadline || child.exitCode !== null) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'error.log'), 'utf8').trim().split('\n').at(-1) ?? '';
      } catch {}
      stop();
      throw new Error(`nginx did not listen on ${servers.map((s) => s.port).join(', ')} within 10 s: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, stop };
}
