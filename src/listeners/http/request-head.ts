import type { Duplex } from 'node:stream';
import { DEFAULT_CAPS } from '../caps.js';

/** Bounds of the request-head reader: a fault farm must be more robust than what it tests. */
export interface HeadLimits {
  /** Longest request line (method, target, version), in bytes, CRLF excluded. */
  maxLineBytes: number;
  /** Longest whole head (request line, header fields, the empty line), in bytes. */
  maxHeadBytes: number;
  /** Most header fields. */
  maxHeaders: number;
  /** Time from the start of the read to the end of the head, in ms (slowloris). */
  timeoutMs: number;
}

/** Defaults: 8 KiB request line, and the farm's default head caps (DEFAULT_CAPS). */
export const DEFAULT_HEAD_LIMITS: HeadLimits = {
  maxLineBytes: 8 * 1024,
  maxHeadBytes: DEFAULT_CAPS.maxHeaderBytes,
  maxHeaders: DEFAULT_CAPS.maxHeaders,
  timeoutMs: DEFAULT_CAPS.headTimeoutMs,
};

/** A parsed HTTP/1.x request head (RFC 9112 §3 request line, §5 field lines). */
export interface RequestHead {
  method: string;
  /** The request target as sent, e.g. `/status/503?x=1`. */
  target: string;
  /** Path part of the target (before `?`); `/` for an absolute-form or asterisk-form target without one. */
  path: string;
  /** Query of the target. */
  query: URLSearchParams;
  /** `HTTP/1.0` or `HTTP/1.1`. */
  version: string;
  /** Header fields in order; names lower-cased, values trimmed. */
  headers: [string, string][];
  /** Bytes of the head, the empty line included. */
  headBytes: number;
}

/** Why a head could not be read: `closed` and `timeout` get no answer, the others a 400 (or 431/414) and a close. */
export type HeadFailure = 'closed' | 'timeout' | 'line-too-long' | 'head-too-large' | 'too-many-headers' | 'malformed';

/** The outcome of `readRequestHead`: the head and any bytes read past it (the start of a body), or why not. */
export type HeadResult = { ok: true; head: RequestHead; rest: Buffer } | { ok: false; failure: HeadFailure; detail: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^[\x21-\x7e]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses a complete head (the bytes up to and including the empty line) per RFC 9112 §3 and §5: a token method,
 * a visible-ASCII target, `HTTP/1.0|1.1`, and `name: value` fields (no whitespace before the colon, no obs-fold).
 * @returns the head, or a `malformed`/`too-many-headers` failure saying what is wrong. Never throws.
 */
export function parseRequestHead(bytes: Buffer, limits: HeadLimits = DEFAULT_HEAD_LIMITS): HeadResult {
  const text = bytes.toString('latin1');
  const lines = text.split('\r\n');
  // The head ends with an empty line, so the split ends with two empty strings.
  lines.splice(-2);
  const bad = (detail: string): HeadResult => ({ ok: false, failure: 'malformed', detail });
  const requestLine = /^([^ ]+) ([^ ]+) (HTTP\/1\.[01])$/.exec(lines[0] ?? '');
  if (!requestLine) return bad('request line is not "METHOD target HTTP/1.x"');
  const [, method = '', target = '', version = ''] = requestLine;
  if (!TOKEN.test(method)) return bad('method is not a token');
  if (!TARGET.test(target)) return bad('request target has characters outside visible ASCII');
  if (lines.length - 1 > limits.maxHeaders)
    return { ok: false, failure: 'too-many-headers', detail: `more than ${limits.maxHeaders} header fields` };
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return bad('header line without a field name and colon');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) return bad('header field name is not a token (obs-fold or whitespace before the colon)');
    if (!FIELD_VALUE.test(value)) return bad(`header ${name} has control characters`);
    headers.push([name.toLowerCase(), value]);
  }
  let path = target;
  let search = '';
  const question = target.indexOf('?');
  if (question !== -1) {
    path = target.slice(0, question);
    search = target.slice(question + 1);
  }
  if (/^https?:\/\//i.test(path)) path = path.replace(/^https?:\/\/[^/]*/i, '') || '/';
  if (path === '*') path = '/';
  return {
    ok: true,
    head: { method, target, path, query: new URLSearchParams(search), version, headers, headBytes: bytes.length },
    rest: Buffer.alloc(0),
  };
}

/**
 * Offset of the first bare line ending in `buffer[from, to)`: an LF without a CR before it, or a CR followed by
 * anything but an LF (a CR at `to - 1` is not judged yet); -1 when there is none. RFC 9112 §2.2 lets a recipient
 * accept a bare LF; the farm, like node:http, refuses it, since proxies that disagree on line endings are what
 * request smuggling is made of.
 */
export function bareLineEnding(buffer: Buffer, from: number, to: number): number {
  for (let lf = buffer.indexOf(0x0a, from); lf !== -1 && lf < to; lf = buffer.indexOf(0x0a, lf + 1)) {
    if (lf === 0 || buffer[lf - 1] !== 0x0d) return lf;
  }
  for (let cr = buffer.indexOf(0x0d, from); cr !== -1 && cr + 1 < to; cr = buffer.indexOf(0x0d, cr + 1)) {
    if (buffer[cr + 1] !== 0x0a) return cr;
  }
  return -1;
}

/**
 * Reads one request head from `socket`, bounds-checked: gives up as soon as the request line passes
 * `maxLineBytes`, the head `maxHeadBytes`, or `timeoutMs` elapses, so a 1 MiB request line or a slowloris client
 * costs at most one small buffer. Afterwards the socket is paused, with its listeners removed; bytes read past the
 * head come back in `rest`. Leading empty lines are ignored (RFC 9112 §2.2). A bare LF or CR, or a NUL, fails the
 * read as `malformed` as soon as it arrives, without waiting for the rest of the head. Never rejects.
 */
export function readRequestHead(socket: Duplex, limits: HeadLimits = DEFAULT_HEAD_LIMITS): Promise<HeadResult> {
  return new Promise((resolve) => {
    let buffer: Buffer = Buffer.alloc(0);
    // Bytes at the start of `buffer` already checked for bare line endings.
    let checked = 0;
    let settled = false;
    const finish = (result: HeadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('end', onClose);
      socket.pause();
      resolve(result);
    };
    const fail = (failure: HeadFailure, detail: string) => finish({ ok: false, failure, detail });
    const onData = (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      const before = buffer.length;
      while (buffer.length >= 2 && buffer[0] === 0x0d && buffer[1] === 0x0a) buffer = buffer.subarray(2);
      checked = Math.max(0, checked - (before - buffer.length));
      const lineEnd = buffer.indexOf('\r\n');
      if ((lineEnd === -1 ? buffer.length : lineEnd) > limits.maxLineBytes)
        return fail('line-too-long', `request line longer than ${limits.maxLineBytes} bytes`);
      const end = buffer.indexOf('\r\n\r\n');
      // A bare line ending or a NUL in the head is not HTTP/1.x: no need to wait for more. Bytes past the head
      // (a body) may hold anything.
      const headEnd = end === -1 ? buffer.length : end + 4;
      const bare = bareLineEnding(buffer, Math.max(0, checked - 1), headEnd);
      checked = headEnd;
      if (bare !== -1) return fail('malformed', `bare ${buffer[bare] === 0x0a ? 'LF' : 'CR'} in the request head (lines end with CRLF)`);
      if (end === -1) {
        if (buffer.length > limits.maxHeadBytes) fail('head-too-large', `request head larger than ${limits.maxHeadBytes} bytes`);
        else if (buffer.includes(0)) fail('malformed', 'NUL byte in the request head');
        return;
      }
      if (end + 4 > limits.maxHeadBytes) return fail('head-too-large', `request head larger than ${limits.maxHeadBytes} bytes`);
      const parsed = parseRequestHead(buffer.subarray(0, end + 4), limits);
      if (!parsed.ok) return finish(parsed);
      finish({ ok: true, head: parsed.head, rest: Buffer.from(buffer.subarray(end + 4)) });
    };
    const onClose = () => fail('closed', 'the client closed before a complete head');
    const timer = setTimeout(() => fail('timeout', `no complete head within ${limits.timeoutMs} ms`), limits.timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('end', onClose);
    socket.resume();
  });
}

/** First value of header `name` (lower case), or undefined. */
export function headerValue(head: RequestHead, name: string): string | undefined {
  return head.headers.find(([n]) => n === name)?.[1];
}
