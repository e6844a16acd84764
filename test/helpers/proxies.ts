import { spawn, type ChildProcess } from 'node:child_process';
import type { ClientRequest } from '../../src/client-request.js';
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { runClient } from '../../src/clients/run-client.js';
import { VARNISH_TRANSIENT_CAP } from '../../src/config/varnish.js';

/** A proxy process the tests started, in its own process group. */
export interface RunningProxy {
  /** Port it listens on for clients (127.0.0.1). */
  port: number;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  /** Stops the whole process group (SIGTERM, SIGKILL after 3 s); resolves once the leader has exited. */
  stop: () => Promise<void>;
}

/** A free TCP port on 127.0.0.1: binds port 0, reads the port, closes (the kernel does not hand it out again at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, exited: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    const why = exited();
    if (why !== null) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Safety net: a test process that dies before its `after` hook still takes its proxies' process groups with it.
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * Spawns argv in a new process group and waits until it listens on `port` (and prints `ready`, when given); what it
 * prints is also appended to `outputFile`, when given.
 */
async function startProcess(argv: string[], port: number, ready?: RegExp, timeoutMs = 15_000, outputFile?: string): Promise<RunningProxy> {
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  let output = '';
  let exit: string | null = null;
  const take = (c: Buffer) => {
    output += c.toString();
    if (outputFile) appendFileSync(outputFile, c);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<void>((resolve) => {
    child.on('error', (e) => ((exit = `${argv[0]}: ${e.message}`), resolve()));
    child.on('exit', (code, signal) => ((exit ??= `${argv[0]} exited (${code ?? signal}) before it was ready:\n${output}`), resolve()));
  });
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    };
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    kill('SIGKILL'); // whatever the leader left behind in its group (varnishd's child)
    liveGroups.delete(child.pid);
  };
  try {
    await waitForPort(port, timeoutMs, () => exit);
    if (ready) {
      const deadline = Date.now() + timeoutMs;
      while (!ready.test(output)) {
        if (exit !== null) throw new Error(exit);
        if (Date.now() > deadline) throw new Error(`${argv[0]} did not print ${ready} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, output: () => output, stop };
}
export { startProcess };

/** nginx in the foreground (the config must say `daemon off; master_process off;`), prefix `dir`. */
export function startNginx(config: string, dir: string, port: number): Promise<RunningProxy> {
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  return startProcess(['nginx', '-c', file, '-p', dir, '-e', join(dir, 'startup-error.log')], port);
}

/** HAProxy in the foreground (`-db`); its request log goes to standard output, and to `logFile` when given. */
export function startHaproxy(config: string, dir: string, port: number, logFile?: string): Promise<RunningProxy> {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  return startProcess(['haproxy', '-db', '-f', file], port, undefined, 15_000, logFile);
}

/** Where Debian's apache2 package keeps its modules. */
const APACHE_MODULES = '/usr/lib/apache2/modules';

/**
 * Apache httpd (Debian's `apache2`) in the foreground (`-DFOREGROUND`) with `directives` after a minimal
 * configuration of ours in `dir`: the event MPM, mod_proxy and mod_proxy_http loaded, `Listen 127.0.0.1:port`, its
 * error log in `dir/error.log` (read it with `readFileSync`), pid file and runtime files in `dir`. As root, its
 * children run as www-data (Apache refuses to serve as root).
 */
export function startApache(directives: string[], dir: string, port: number): Promise<RunningProxy> {
  const file = join(dir, 'httpd.conf');
  const root = process.getuid?.() === 0;
  writeFileSync(
    file,
    [
      ...['mpm_event', 'authz_core', 'proxy', 'proxy_http'].map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`),
      'ServerName localhost',
      `Listen 127.0.0.1:${port}`,
      `PidFile ${join(dir, 'httpd.pid')}`,
      `DefaultRuntimeDir ${dir}`,
      'Mutex posixsem',
      `ErrorLog ${join(dir, 'error.log')}`,
      'LogLevel warn',
      'StartServers 1',
      ...(root ? ['User www-data', 'Group www-data'] : []),
      ...directives,
      '',
    ].join('\n'),
  );
  chmodSync(dir, 0o755);
  return startProcess(['apache2', '-f', file, '-DFOREGROUND'], port);
}

/** varnishd in the foreground with work directory `dir/varnish` and Transient storage capped as the generated VCL's run line says (read its log with `varnishLog(dir)`). */
export function startVarnish(vcl: string, dir: string, port: number): Promise<RunningProxy> {
  const file = join(dir, 'badorigin.vcl');
  writeFileSync(file, vcl);
  // varnishd (as root) reads the VCL and compiles it as its unprivileged user: mkdtemp's 0700 keeps it out.
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  return startProcess(
    [
      'varnishd',
      '-F',
      '-a',
      `127.0.0.1:${port}`,
      '-f',
      file,
      '-n',
      join(dir, 'varnish'),
      '-T',
      'none',
      '-s',
      'malloc,32m',
      '-s',
      `Transient=malloc,${VARNISH_TRANSIENT_CAP}`,
    ],
    port,
    /Child launched OK/,
  );
}

/** The records of a Varnish request transaction the log readers use (`parseVarnishLog`). */
const VARNISH_LOG_TAGS = 'ReqURL,RespStatus,FetchError,Error,BerespStatus';

/** A process the tests started that does not listen on a port (`stop` as `RunningProxy`'s). */
export interface RunningTool {
  stop: () => Promise<void>;
}

/**
 * `varnishlog` of the Varnish in `dir`, writing each request transaction (grouped, as text, unbuffered) to `file`
 * from now on, as a user's `varnishlog -g request -A -w FILE` does.
 */
export function startVarnishLog(dir: string, file: string): RunningTool {
  const child = spawn('varnishlog', ['-n', join(dir, 'varnish'), '-g', 'request', '-i', VARNISH_LOG_TAGS, '-A', '-u', '-w', file], {
    detached: true,
    stdio: 'ignore',
  });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    stop: async () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid, 'SIGTERM');
      await exited;
      liveGroups.delete(child.pid);
    },
  };
}

/**
 * Backends (by VCL name, without any `<vcl>.` prefix) for which Varnish has logged the result of a health probe it
 * sent. The records Varnish writes when it loads the VCL (bits `-------H`, no response) do not count.
 */
export async function varnishProbed(dir: string): Promise<Set<string>> {
  const result = await runClient(['varnishlog', '-n', join(dir, 'varnish'), '-d', '-g', 'raw', '-i', 'Backend_health'], 10_000);
  if (result.exit !== 0) throw new Error(`varnishlog exited ${result.exit}: ${result.stderr}`);
  const probed = new Set<string>();
  for (const m of result.stdout.matchAll(/Backend_health\s+-\s+(?:[^.\s]+\.)?(\S+)\s+\S+\s+\S+\s+([-46xXrRH]{8})\s/g)) {
    if (/[46xXrR]/.test(m[2]!)) probed.add(m[1]!);
  }
  return probed;
}

/** What a client of the proxy saw: the status line's code (null when no response head came) or the error. */
export interface ProxyResponse {
  status: number | null;
  error?: string;
}

/** A request the tests send through a proxy: a fault's declared request (`requestFor`), or a plain GET. */
export interface ProxyRequest extends ClientRequest {
  /** Give up after this many ms (default 15,000): the response then carries the error `no answer within … ms`. */
  timeoutMs?: number;
}

/** Default limit of `proxyRequest`, in ms. */
const PROXY_REQUEST_LIMIT_MS = 15_000;

/** The shared 64 KiB block every request body is written from, so a large body costs no memory. */
const BODY_BLOCK = Buffer.alloc(64 * 1024, 0x62);

/**
 * `request.method path` on 127.0.0.1:port with a fresh connection; writes `bodyBytes` (with backpressure) and reads
 * the body until its end or `maxBodyBytes`; never rejects. A response that arrives while the body is still being
 * written is taken as it is (a proxy may answer an error early); an error after the head is reported with the
 * status (`aborted`, `socket hang up`, …).
 */
export function proxyRequest(port: number, path: string, request: ProxyRequest = { method: 'GET' }): Promise<ProxyResponse> {
  const timeoutMs = request.timeoutMs ?? PROXY_REQUEST_LIMIT_MS;
  const bodyBytes = request.method === 'POST' ? (request.bodyBytes ?? 0) : 0;
  return new Promise((resolve) => {
    let status: number | null = null;
    let settled = false;
    const done = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error ? { status, error } : { status });
      req.destroy();
    };
    const headers: Record<string, string | number> = { connection: 'close' };
    if (request.method === 'POST') headers['content-length'] = bodyBytes;
    if (request.acceptEncoding) headers['accept-encoding'] = request.acceptEncoding;
    const req = httpRequest({ host: '127.0.0.1', port, path, method: request.method, agent: false, headers }, (res) => {
      status = res.statusCode ?? null;
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (request.maxBodyBytes !== undefined && received >= request.maxBodyBytes) done();
      });
      res.on('end', () => done());
      res.on('aborted', () => done('aborted'));
      res.on('error', (e) => done(e.message));
    });
    req.on('error', (e) => done(e.message));
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    let left = bodyBytes;
    const write = () => {
      while (left > 0 && !settled) {
        const part = left >= BODY_BLOCK.length ? BODY_BLOCK : BODY_BLOCK.subarray(0, left);
        left -= part.length;
        if (!req.write(part)) return void req.once('drain', write);
      }
      if (!settled) req.end();
    };
    write();
  });
}
