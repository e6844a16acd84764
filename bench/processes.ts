// Peers and load generators for the benchmarks: the farm as `badorigin serve` in its own process, nginx with the
// same certificate and body, and wrk. Every process is killed by the caller through the returned stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { runClient } from '../src/clients/run-client.js';
import type { Manifest } from '../src/manifest.js';
import { packagedCli, plainScript } from './compile.js';
import { processCpuMs } from './proc-cpu.js';

/** A TCP port free on 127.0.0.1 right now (bound to 0, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `check` returns a value (polling every 50 ms, at most `ms`). */
async function until<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts `badorigin serve` (the packaged build, bench/compile.ts) with these listeners in its own process, event log
 * silent, no control API, and resolves with its manifest. @throws Error (rejects) when it has no manifest after 30 s.
 */
export async function startFarmProcess(
  only: string[],
  certsDir: string,
): Promise<{ manifest: Manifest; child: ChildProcess; stop(): void }> {
  const cli = await packagedCli();
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-farm-'));
  const manifestFile = join(dir, 'manifest.json');
  const child = spawn(
    process.execPath,
    [
      cli,
      'serve',
      '--base-port',
      '0',
      '--only',
      only.join(','),
      '--certs-dir',
      certsDir,
      '--log-level',
      'silent',
      '--no-control',
      '--manifest-out',
      manifestFile,
    ],
    { stdio: 'ignore' },
  );
  const manifest = await until(
    () => {
      try {
        return JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
      } catch {
        return undefined;
      }
    },
    30_000,
    'farm',
  );
  return { manifest, child, stop: () => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) };
}

/** Starts nginx (one worker, like the single farm process) serving `body` over TLS with this key and chain. */
export async function startNginx(
  port: number,
  keyFile: string,
  chainFile: string,
  body: string,
): Promise<{ child: ChildProcess; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-nginx-'));
  const conf = writeNginxConf(
    dir,
    `  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} ssl; ssl_certificate ${chainFile}; ssl_certificate_key ${keyFile}; ssl_session_cache off; ssl_session_tickets off;
    location / { default_type text/plain; add_header cache-control no-store; return 200 ${JSON.stringify(body)}; }
  }`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  await until(() => (isListening(port) ? true : undefined), 10_000, 'nginx');
  return { child, stop: () => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) };
}

/**
 * Writes `dir`/nginx.conf for nginx in the foreground with one worker (like the single farm process), its error log,
 * pid and temp files in `dir`, no access log, and `http` holding `httpBody`. @returns the file's path.
 */
export function writeNginxConf(dir: string, httpBody: string): string {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off; master_process off; worker_processes 1; error_log ${dir}/error.log; pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
${httpBody}
}
`,
  );
  return conf;
}

/** True when something listens on 127.0.0.1:port (read from /proc/net/tcp, state 0A = LISTEN). */
export function isListening(port: number): boolean {
  try {
    return readFileSync('/proc/net/tcp', 'utf8').includes(`:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A`);
  } catch {
    return false;
  }
}

/**
 * Starts a bench server script (`node <script as plain JS> ...args PORT-FILE`, bench/compile.ts) in its own process
 * and resolves with the port it wrote to PORT-FILE once listening. @throws Error (rejects) when it is not listening
 * after 30 s.
 */
async function startBenchServer(script: string, args: string[]): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  const file = plainScript(script);
  const dir = dirname(file);
  const portFile = join(dir, 'port');
  const child = spawn(process.execPath, [file, ...args, portFile], { stdio: 'ignore' });
  const port = await until(
    () => {
      try {
        return Number(readFileSync(portFile, 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    },
    30_000,
    script,
  );
  return { port, child, stop: () => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) };
}

/** Starts bench/plain-https.ts (a bare node:https server, same key, chain and body) and resolves with its port. */
export function startPlainHttps(keyFile: string, chainFile: string): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  return startBenchServer('./plain-https.ts', [keyFile, chainFile]);
}

/**
 * Starts bench/plain-tls.ts (a bare node:tls server: same key, chain and protocol settings; ciphers `-` for Node's
 * default) and resolves with its port.
 */
export function startPlainTls(
  keyFile: string,
  chainFile: string,
  minVersion: string,
  maxVersion: string,
  ciphers: string,
): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  return startBenchServer('./plain-tls.ts', [keyFile, chainFile, minVersion, maxVersion, ciphers]);
}

/**
 * Starts bench/mockttp-server.ts (mockttp answering `GET /?delay_ms=<d>` after d ms for each of `delaysMs`, never
 * answering `GET /hold`) and resolves with its port.
 */
export function startMockttp(delaysMs: number[]): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  return startBenchServer('./mockttp-server.ts', [createRequire(import.meta.url).resolve('mockttp'), delaysMs.join(',')]);
}

/** Starts bench/plain-http.ts (a plain node:http server: `?delay_ms=`, `?size=`) and resolves with its port. */
export function startPlainHttp(): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  return startBenchServer('./plain-http.ts', []);
}

/**
 * Runs wrk and returns its requests/s ("Requests/sec") and request count ("N requests in"), and, when `pid` is
 * given, the CPU time (ms, user + system) that process used meanwhile.
 * @throws Error (rejects) when wrk prints no rate.
 */
export async function wrk(
  url: string,
  seconds: number,
  connections: number,
  extra: string[] = [],
  pid?: number,
): Promise<{ rps: number; requests: number; cpuMs: number }> {
  const cpuBefore = pid ? processCpuMs(pid) : 0;
  const result = await runClient(['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, ...extra, url], (seconds + 30) * 1000);
  const cpuMs = pid ? processCpuMs(pid) - cpuBefore : NaN;
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  const count = /(\d+) requests in/.exec(result.stdout);
  if (!rate || !count) throw new Error(`wrk printed no rate: ${result.stdout}${result.stderr}`);
  return { rps: Number(rate[1]), requests: Number(count[1]), cpuMs };
}
