import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Manifest, ManifestListener } from '../../src/manifest.js';

/** curl's `-w` timings and sizes (seconds, bytes) for one request, with its exit code and stderr. */
export interface CurlTimings {
  exit: number | null;
  code: number;
  sizeDownload: number;
  sizeUpload: number;
  sizeHeader: number;
  starttransfer: number;
  total: number;
  stderr: string;
}

const FORMAT = '%{http_code} %{size_download} %{size_upload} %{size_header} %{time_starttransfer} %{time_total}';

/** argv of curl for `path` on a listener (trusting the farm root over TLS), printing FORMAT; `extra` goes before the URL. */
export function curlFor(manifest: Manifest, listener: ManifestListener, path: string, extra: string[] = []): string[] {
  const tls = listener.transport === 'https';
  const url = tls ? `https://localhost:${listener.port}${path}` : `http://127.0.0.1:${listener.port}${path}`;
  return [
    'curl',
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    FORMAT,
    ...(tls ? ['--cacert', manifest.trust.rootCaFile, '--resolve', `localhost:${listener.port}:127.0.0.1`] : []),
    ...extra,
    url,
  ];
}

/** Parses what `curlFor` printed. */
export function parseCurl(result: { exit: number | null; stdout: string; stderr: string }): CurlTimings {
  const [code, sizeDownload, sizeUpload, sizeHeader, starttransfer, total] = result.stdout.trim().split(' ').map(Number);
  return {
    exit: result.exit,
    code: code!,
    sizeDownload: sizeDownload!,
    sizeUpload: sizeUpload!,
    sizeHeader: sizeHeader!,
    starttransfer: starttransfer!,
    total: total!,
    stderr: result.stderr,
  };
}

/** What a Node request saw, with times in ms from the request's start. */
export interface NodeTimed {
  status?: number;
  headers?: IncomingHttpHeaders;
  /** Time of the response head, and of each body chunk. */
  headAt?: number;
  chunkTimes: number[];
  bytes: number;
  error?: string;
  ended: boolean;
}

/** GET (or `method` with `body`) `path` with node:http(s), timing the head and every body chunk; gives up after `timeoutMs`. Never rejects. */
export function nodeTimed(
  manifest: Manifest,
  listener: ManifestListener,
  path: string,
  timeoutMs: number,
  method = 'GET',
  body?: Buffer,
): Promise<NodeTimed> {
  return new Promise((resolve) => {
    const start = performance.now();
    const seen: NodeTimed = { chunkTimes: [], bytes: 0, ended: false };
    let settled = false;
    const done = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) seen.error = error;
      req.destroy();
      resolve(seen);
    };
    const options = { host: '127.0.0.1', port: listener.port, path, method, agent: false as const };
    const req =
      listener.transport === 'https'
        ? httpsRequest({ ...options, ca: readFileSync(manifest.trust.rootCaFile), servername: 'localhost' })
        : httpRequest(options);
    req.on('response', (res) => {
      seen.status = res.statusCode;
      seen.headers = res.headers;
      seen.headAt = performance.now() - start;
      res.on('data', (chunk: Buffer) => {
        seen.chunkTimes.push(performance.now() - start);
        seen.bytes += chunk.length;
      });
      res.on('end', () => {
        seen.ended = true;
        done();
      });
      res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    req.end(body);
  });
}

/** Sends `bytes` on a raw TCP connection and collects what comes back until the farm closes (or `timeoutMs`). */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  timeoutMs = 5000,
): Promise<{ data: Buffer; closed: 'fin' | 'reset' | 'timeout' }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const done = (closed: 'fin' | 'reset' | 'timeout') => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => done('fin'));
    socket.on('error', () => done('reset'));
    socket.on('connect', () => socket.write(bytes));
    const timer = setTimeout(() => done('timeout'), timeoutMs);
  });
}

/**
 * POSTs a `bodyBytes` body on a fresh connection (TLS when `tls` is given, over a TCP socket kept for the reset)
 * until the farm stops reading: resolves once no write has drained for `stalledMs`, with `reset()` to end the
 * connection with an RST (SO_LINGER 0), as a proxy giving up on a backend often does, and `destroy()` to end it
 * with a FIN queued behind the unsent body; `localPort` is the client's port (the farm's `connection` event names
 * it). Rejects after 10 s if the writes never block.
 */
export function blockedUpload(
  port: number,
  bodyBytes: number,
  stalledMs = 300,
  tls?: { ca: Buffer; servername: string },
): Promise<{ localPort: number; reset: () => void; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const raw = connect(port, '127.0.0.1');
    const stream = tls ? tlsConnect({ socket: raw, ca: tls.ca, servername: tls.servername }) : raw;
    const block = Buffer.alloc(64 * 1024, 0x62);
    let stall: NodeJS.Timeout | undefined;
    const give = setTimeout(() => (raw.destroy(), reject(new Error('the upload never blocked within 10 s'))), 10_000);
    const blocked = () => {
      clearTimeout(give);
      resolve({ localPort: raw.localPort!, reset: () => raw.resetAndDestroy(), destroy: () => raw.destroy() });
    };
    let left = bodyBytes;
    const write = () => {
      clearTimeout(stall);
      while (left > 0) {
        left -= block.length;
        if (!stream.write(block)) {
          stall = setTimeout(blocked, stalledMs);
          return void stream.once('drain', write);
        }
      }
    };
    stream.on('error', () => undefined);
    raw.on('error', () => undefined);
    stream.once(tls ? 'secureConnect' : 'connect', () => {
      stream.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${bodyBytes}\r\n\r\n`);
      write();
    });
  });
}

/** GET `path` with node:http on 127.0.0.1:port: the 1xx statuses it reported ('information'), then the final status. Never rejects (status 0 on error). */
export function nodeInformational(port: number, path: string, timeoutMs = 5000): Promise<{ informational: number[]; status: number }> {
  return new Promise((resolve) => {
    const informational: number[] = [];
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs });
    req.on('information', (info) => informational.push(info.statusCode));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ informational, status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ informational, status: 0 }));
    req.end();
  });
}

/**
 * Sends `request` on a fresh connection (TLS when `tls` is given) and then never reads again: resolves once the
 * first response bytes came, with how many bytes were read and `close()`.
 */
export function silentClient(
  port: number,
  request: string,
  tls?: { ca: Buffer; servername: string },
): Promise<{ received: () => number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const stream = tls ? tlsConnect({ host: '127.0.0.1', port, ca: tls.ca, servername: tls.servername }) : connect(port, '127.0.0.1');
    let received = 0;
    const timer = setTimeout(() => (stream.destroy(), reject(new Error('no response within 5 s'))), 5000);
    stream.on('error', () => undefined);
    stream.once(tls ? 'secureConnect' : 'connect', () => stream.write(request));
    stream.once('data', (chunk: Buffer) => {
      received += chunk.length;
      stream.pause();
      clearTimeout(timer);
      resolve({ received: () => received, close: () => stream.destroy() });
    });
  });
}
