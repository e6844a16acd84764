// WireMock (the standalone jar the `wiremock` npm package ships) as a peer for the farm's held-connection faults, in
// its own JVM: stubs `GET /?delay_ms=<d>` with `fixedDelayMilliseconds: d` for each delay given, asynchronous
// responses on (so a delayed answer holds no container thread), no request journal (which would keep every request).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './processes.js';

/** JVM heap cap, in MiB: enough for 10,000 connections' Jetty buffers with room to spare. */
export const WIREMOCK_HEAP_MIB = 512;
/** Jetty container threads and asynchronous response threads. */
export const WIREMOCK_THREADS = { container: 200, asyncResponse: 50 };

/** The standalone jar of the installed `wiremock` package. @throws Error when the package or jar is missing. */
function wiremockJar(): string {
  const dir = join(dirname(createRequire(import.meta.url).resolve('wiremock/package.json')), 'build');
  const jar = readdirSync(dir).find((name) => /^wiremock-standalone-.*\.jar$/.test(name));
  if (!jar) throw new Error(`no wiremock-standalone jar in ${dir}`);
  return join(dir, jar);
}

/** True when 127.0.0.1:port accepts a TCP connection. */
function accepts(port: number): Promise<boolean> {
  return import('node:net').then(
    ({ connect }) =>
      new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
  );
}

/**
 * Starts WireMock on a free port with one stub per delay (ms). @throws Error (rejects) when `java` cannot be run
 * (one line: install a JRE) or the port does not accept connections within 60 s.
 */
export async function startWiremock(delaysMs: number[]): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'badorigin-bench-wiremock-'));
  mkdirSync(join(root, 'mappings'));
  delaysMs.forEach((delay, i) =>
    writeFileSync(
      join(root, 'mappings', `delay-${i}.json`),
      JSON.stringify({
        request: { method: 'GET', urlPath: '/', queryParameters: { delay_ms: { equalTo: String(delay) } } },
        response: { status: 200, body: 'wiremock: first byte after the delay\n', fixedDelayMilliseconds: delay },
      }),
    ),
  );
  const port = await freePort();
  const args = [
    `-Xmx${WIREMOCK_HEAP_MIB}m`,
    '-jar',
    wiremockJar(),
    ...['--port', String(port), '--root-dir', root, '--disable-banner', '--no-request-journal', '--disable-request-logging'],
    ...['--async-response-enabled', 'true', '--async-response-threads', String(WIREMOCK_THREADS.asyncResponse)],
    ...['--container-threads', String(WIREMOCK_THREADS.container), '--jetty-accept-queue-size', '4096'],
  ];
  const child = spawn('java', args, { stdio: 'ignore' });
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const stop = () => (child.kill('SIGKILL'), rmSync(root, { recursive: true, force: true }));
  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (spawnError) throw (stop(), new Error(`java could not be started (${spawnError.message}): apt-get install -y default-jre-headless`));
    if (Date.now() > deadline || child.exitCode !== null) throw (stop(), new Error(`WireMock did not listen on ${port} within 60 s`));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { port, child, stop };
}
