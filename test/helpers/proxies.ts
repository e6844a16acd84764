import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { runClient } from '../../src/clients/run-client.js';

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

/** Spawns argv in a new process group and waits until it listens on `port` (and prints `ready`, when given). */
async function startProcess(argv: string[], port: number, ready?: RegExp, timeoutMs = 15_000): Promise<RunningProxy> {
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  let output = '';
  let exit: string | null = null;
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
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

/** nginx in the foreground (the config must say `daemon off; master_process off;`), prefix `dir`. */
export function startNginx(config: string, dir: string, port: number): Promise<RunningProxy> {
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  return startProcess(['nginx', '-c', file, '-p', dir, '-e', join(dir, 'startup-error.log')], port);
}

/** HAProxy in the foreground (`-db`); its request log goes to standard output. */
export function startHaproxy(config: string, dir: string, port: number): Promise<RunningProxy> {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  return startProcess(['haproxy', '-db', '-f', file], port);
}

/** varnishd in the foreground with work directory `dir/varnish` (read its log with `varnishLog(dir)`). */
export function startVarnish(vcl: string, dir: string, port: number): Promise<RunningProxy> {
  const file = join(dir, 'badorigin.vcl');
  writeFileSync(file, vcl);
  // varnishd (as root) reads the VCL and compiles it as its unprivileged user: mkdtemp's 0700 keeps it out.
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  return startProcess(['varnishd', '-F', '-a', `127.0.0.1:${port}`, '-f', file, '-n', join(dir, 'varnish'), '-T', 'none', '-s', 'malloc,32m'], port, /Child launched OK/);
}

/** What `varnishlog -d` prints for the requests so far, grouped by request, with the URL, statuses and fetch errors. */
export async function varnishLog(dir: string): Promise<string> {
  const result = await runClient(['varnishlog', '-n', join(dir, 'varnish'), '-d', '-g', 'request', '-i', 'ReqURL,RespStatus,FetchError,Error,BerespStatus'], 10_000);
  if (result.exit !== 0) throw new Error(`varnishlog exited ${result.exit}: ${result.stderr}`);
  return result.stdout;
}

/** What a client of the proxy saw: the status line's code (null when no response head came) or the error. */
export interface ProxyResponse {
  status: number | null;
  error?: string;
}

/** `GET path` on 127.0.0.1:port with a fresh connection; reads the whole body; never rejects. */
export function proxyGet(port: number, path: string, timeoutMs = 15_000): Promise<ProxyResponse> {
  return new Promise((resolve) => {
    let status: number | null = null;
    const done = (error?: string) => {
      clearTimeout(timer);
      resolve(error ? { status, error } : { status });
    };
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      status = res.statusCode ?? null;
      res.on('data', () => undefined);
      res.on('end', () => done());
      res.on('aborted', () => done('aborted'));
      res.on('error', (e) => done(e.message));
    });
    req.on('error', (e) => done(e.message));
    const timer = setTimeout(() => {
      req.destroy();
      done(`no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    req.end();
  });
}
