import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { certsDir } from '../../test/helpers/farm.js';
import { startServe } from '../../test/helpers/cli.js';
import type { Manifest } from '../../src/manifest.js';
import type { ListenerStats } from '../../src/monitor.js';

/** A whole farm (`badorigin serve`, every listener, ephemeral ports, its own certs) in a process of its own. */
export interface FarmProcess {
  pid: number;
  manifest: Manifest;
  /** The control API's base URL (ephemeral port). */
  controlUrl: string;
  /** Null while it runs; its exit code (or signal) once it has exited. */
  exit(): { code: number | null } | null;
  /** Lines of its output that report an error nobody caught or a handler error (there must be none). */
  problems(): string[];
  /** Its resident set size now, bytes (/proc/<pid>/status VmRSS). @throws Error once the process is gone. */
  rssBytes(): number;
  /** Its open file descriptors now (/proc/<pid>/fd). @throws Error once the process is gone. */
  openFds(): number;
  /** Every listener's counters from the control API (`GET /listeners`). */
  stats(): Promise<ListenerStats[]>;
  /** SIGTERM, then SIGKILL after 5 s; removes the temporary certs directory. */
  stop(): Promise<void>;
}

/**
 * Starts `badorigin serve --base-port 0` with a temporary certs directory and the event log at `warn` (handler errors
 * only), and resolves with its manifest once every listener is bound.
 * @param extraArgs more serve flags, e.g. `['--max-hold-ms', '20000']`.
 * @throws Error when serve does not start within 60 s (cold certificate generation on a busy machine) or exits.
 */
export async function startFarmProcess(extraArgs: string[] = []): Promise<FarmProcess> {
  const certs = certsDir();
  const manifestFile = join(certs.dir, 'manifest.json');
  const serve = await startServe(
    ['--base-port', '0', '--certs-dir', certs.dir, '--log-level', 'warn', '--manifest-out', manifestFile, ...extraArgs],
    60_000,
  );
  const child: ChildProcess = serve.child;
  let exited: { code: number | null } | null = null;
  // Whatever happens to this process, the farm does not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void serve.exited.then((code) => {
    exited = { code };
    process.off('exit', killOnExit);
  });
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  if (!manifest.control) throw new Error('the farm started without its control API');
  const controlUrl = manifest.control.url;
  const pid = child.pid!;
  return {
    pid,
    manifest,
    controlUrl,
    exit: () => exited,
    // serve prints uncaught errors as `badorigin: uncaught …` on stderr; at level warn the event log only has handler errors.
    problems: () =>
      serve
        .output()
        .split('\n')
        .filter((line) => /badorigin: uncaught|"msg":"handler-error"/.test(line)),
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024,
    openFds: () => readdirSync(`/proc/${pid}/fd`).length,
    stats: () => getJson<ListenerStats[]>(`${controlUrl}/listeners`),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await serve.exited;
        clearTimeout(timer);
      }
      certs.remove();
    },
  };
}

/**
 * GETs a JSON document on a connection of its own (no keep-alive: a pooled connection would be one more open file
 * descriptor on the farm, and the soak counts those). @throws Error (rejects) on a non-200 or after 10 s.
 */
function getJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`GET ${url}: ${response.statusCode}`)),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url}: no answer within 10 s`)));
    request.on('error', reject);
  });
}
