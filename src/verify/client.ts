import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientView } from './report-schema.js';
import type { VerifyRequest } from './request.js';
import { PROBE_HEADER } from './target.js';

/**
 * Response headers that say who answered and why (lower case): caches (`x-cache`, `x-cache-hits`, `age`), the
 * generated Fastly VCL's `x-badorigin-error` (obj.response), proxies (`via`, `server`), Fastly (`x-served-by`),
 * Cloudflare (`cf-ray`, `cf-cache-status`), CloudFront (`x-amz-cf-id`, `x-amz-cf-pop`), the farm's own
 * `x-badorigin-scenario`, and the framing (`content-type`, `content-length`).
 */
export const IDENTIFYING_HEADERS = [
  'x-cache',
  'x-cache-hits',
  'x-badorigin-error',
  'x-badorigin-scenario',
  'via',
  'server',
  'x-served-by',
  'cf-ray',
  'cf-cache-status',
  'x-amz-cf-id',
  'x-amz-cf-pop',
  'age',
  'content-type',
  'content-length',
] as const;

/** Body bytes kept in the report. */
export const BODY_START_BYTES = 512;

/** The shared 64 KiB block every request body is written from, so a large body costs no memory. */
const BODY_BLOCK = Buffer.alloc(64 * 1024, 0x62);

function identifying(response: IncomingMessage): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of IDENTIFYING_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}

/** Writes `bytes` of body from the shared block with backpressure, then ends the request; stops once `stopped()`. */
function streamBody(req: ClientRequest, bytes: number, stopped: () => boolean): void {
  let left = bytes;
  const write = () => {
    while (left > 0 && !stopped()) {
      const part = left >= BODY_BLOCK.length ? BODY_BLOCK : BODY_BLOCK.subarray(0, left);
      left -= part.length;
      if (!req.write(part)) return void req.once('drain', write);
    }
    if (!stopped()) req.end();
  };
  write();
}

/**
 * Sends `request` to `url` on a fresh connection with `X-Badorigin-Probe: probe` and `Accept-Encoding: identity`
 * (so the body start is readable) unless the request declares a coding, writes `bodyBytes` with backpressure, reads the body to its end or
 * `maxBodyBytes`, and gives up after `timeoutMs`. Never rejects: a failure is the view's `error`. A response that
 * arrives while the body is still being written is taken as it is (an intermediary may answer an error early).
 * HTTPS trusts the system's CAs.
 */
export function send(url: URL, request: VerifyRequest, probe: string, timeoutMs: number): Promise<ClientView> {
  const bodyBytes = request.method === 'POST' ? (request.bodyBytes ?? 0) : 0;
  const started = performance.now();
  const since = () => Math.round((performance.now() - started) * 10) / 10;
  return new Promise((resolve) => {
    let head: { status: number | null; headers: Record<string, string>; at: number } | undefined;
    const body: Buffer[] = [];
    let kept = 0;
    let received = 0;
    let settled = false;
    const done = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const view: ClientView = {
        status: head?.status ?? null,
        headers: head?.headers ?? {},
        bodyStart: Buffer.concat(body).toString('utf8'),
        bodyBytes: received,
        timeToHeadMs: head?.at ?? null,
        timeToEndMs: since(),
      };
      resolve(error ? { ...view, error } : view);
      req.destroy();
    };
    const headers: Record<string, string | number> = {
      connection: 'close',
      'accept-encoding': request.acceptEncoding ?? 'identity',
      [PROBE_HEADER]: probe,
    };
    if (request.method === 'POST') headers['content-length'] = bodyBytes;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: request.method, agent: false, headers }, (res) => {
      head = { status: res.statusCode ?? null, headers: identifying(res), at: since() };
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (kept < BODY_START_BYTES) {
          const part = chunk.subarray(0, BODY_START_BYTES - kept);
          body.push(part);
          kept += part.length;
        }
        if (request.maxBodyBytes !== undefined && received >= request.maxBodyBytes) done();
      });
      res.on('end', () => done());
      res.on('aborted', () => done('aborted'));
      res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ? `${e.code}: ${e.message}` : e.message));
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    streamBody(req, bodyBytes, () => settled);
  });
}
