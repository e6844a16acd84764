import { writeFill } from '../filler.js';
import { SCENARIO_HEADER, flushed, finish, responseHead, sendAndClose, writeAndWait, type RawHeaders } from '../response.js';
import type { Behaviour } from './context.js';

/**
 * truncated-body: Content-Length `contentLength` (default 1 MiB) but only `sentBytes` (default 1024, at most
 * `contentLength` - 1) body bytes, generated from the shared filler block as fast as the client reads, then FIN
 * (RFC 9112 §8: an incomplete message).
 */
export const truncatedBody: Behaviour = async (context) => {
  const length = context.params.contentLength ?? 1024 * 1024;
  const sent = Math.min(context.params.sentBytes ?? 1024, Math.max(length - 1, 0));
  context.fault(`FIN after ${sent} of ${length} body bytes`);
  const head = responseHead(200, [['Content-Type', 'application/octet-stream'], ['Content-Length', length], ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id]]);
  context.socket.resume();
  if (!(await writeAndWait(context.socket, head))) return;
  if (!(await writeFill(context.socket, sent))) return;
  await flushed(context.socket);
  finish(context.socket);
};

/**
 * bad-chunked: `Transfer-Encoding: chunked` with one well-formed 16-byte chunk, then (RFC 9112 §7.1 broken) by
 * `variant`: `bad-size` a size line `zz`; `missing-crlf` a chunk whose data is not followed by CRLF; `no-last-chunk`
 * FIN without the terminating `0` chunk.
 */
export const badChunked: Behaviour = (context) => {
  const variant = context.params.variant ?? 'bad-size';
  context.fault(`chunked: ${variant}`);
  const head = responseHead(200, [['Content-Type', 'text/plain'], ['Transfer-Encoding', 'chunked'], ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id]]);
  const good = '10\r\nbadorigin chunk\n\r\n';
  const tail = {
    'bad-size': 'zz\r\nthis is not a chunk\r\n0\r\n\r\n',
    'missing-crlf': '8\r\nno crlf!XYZ0\r\n\r\n',
    'no-last-chunk': '',
  }[variant];
  sendAndClose(context.socket, Buffer.concat([head, Buffer.from(good + tail, 'latin1')]));
};

/** garbage-response: bytes that are not HTTP (default an SSH banner and binary noise), then FIN. */
export const garbageResponse: Behaviour = (context) => {
  const text = context.params.garbage ?? 'SSH-2.0-OpenSSH_9.2 badorigin\r\n\x00\x01\x02\xff\xfe garbage, not HTTP\r\n\r\n';
  context.fault(`${text.length} bytes of non-HTTP`);
  sendAndClose(context.socket, Buffer.from(text, 'latin1'));
};

/** malformed-status-line: `statusLine` (default `HTTP/1.1 2OO OK`, letters O for zeros), then a well-formed rest. */
export const malformedStatusLine: Behaviour = (context) => {
  const line = context.params.statusLine ?? 'HTTP/1.1 2OO OK';
  context.fault(`status line ${JSON.stringify(line)}`);
  const body = `badorigin ${context.id}\n`;
  sendAndClose(context.socket, Buffer.from(`${line}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, 'latin1'));
};

/** Bytes of one header field line of header-overflow's `many` shape, CRLF included (1 KiB). */
const MANY_FIELD_BYTES = 1024;
const CRLF = Buffer.from('\r\n');

/**
 * header-overflow: a 200 whose header fields (after Content-Type and Content-Length) total `headerBytes` (default
 * 128 KiB), then a one-line body. Two shapes, for two kinds of limit:
 * - `many` (default): fields `X-Badorigin-Filler-N` of 1 KiB each. Past every limit on the whole head: nginx's
 *   4/8 KiB `proxy_buffer_size`, Node's and HAProxy's 16 KiB, Varnish's 32 KiB `http_resp_size`, Cloudflare's 32 KB
 *   total (cloudflare-connection-limits § Response limits); under every limit per field (Apache httpd's 8,192-byte
 *   `ResponseFieldSize`), so a proxy with only a per-field limit passes it (Apache; Caddy's Go transport allows
 *   10 MiB in all).
 * - `single`: one field `X-Badorigin-Filler` of `headerBytes` bytes (CRLF included). Past limits per field:
 *   Cloudflare's 16 KB per header (same section), Apache httpd's 8,192-byte `ResponseFieldSize`, Varnish's 8 KiB
 *   `http_resp_hdr_len`.
 * Written with backpressure, so a client that reads slowly holds no more than a block of it in the farm.
 */
export const headerOverflow: Behaviour = async (context) => {
  const total = context.params.headerBytes ?? 128 * 1024;
  const shape = context.params.headerShape ?? 'many';
  const body = Buffer.from(`badorigin ${context.id}\n`);
  // The head without its final empty line: the filler fields follow, then Connection and the empty line.
  const start = responseHead(200, [['Content-Type', 'text/plain'], ['Content-Length', body.length], [SCENARIO_HEADER, context.id]]);
  const socket = context.socket;
  socket.resume();
  if (!(await writeAndWait(socket, start.subarray(0, start.length - 2)))) return;
  if (shape === 'single') {
    const name = Buffer.from('X-Badorigin-Filler: ');
    context.fault(`1 header field of ${total} bytes`);
    if (!(await writeAndWait(socket, name))) return;
    if (!(await writeFill(socket, Math.max(total - name.length - CRLF.length, 1)))) return;
    if (!(await writeAndWait(socket, CRLF))) return;
  } else {
    context.fault(`${total} bytes of ${MANY_FIELD_BYTES}-byte header fields`);
    // Fields are gathered into pieces of about 16 KiB (a copy that small costs nothing) rather than written one
    // at a time, which would make one syscall, or one TLS record, per 1 KiB field.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let left = total;
    for (let i = 0; left > 0; i++) {
      const name = `X-Badorigin-Filler-${i}: `;
      const value = Math.max(Math.min(MANY_FIELD_BYTES, left) - name.length - CRLF.length, 1);
      const line = Buffer.from(`${name}${'a'.repeat(value)}\r\n`, 'latin1');
      pending.push(line);
      pendingBytes += line.length;
      left -= line.length;
      if (pendingBytes >= 16 * 1024 || left <= 0) {
        if (!(await writeAndWait(socket, Buffer.concat(pending)))) return;
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (!(await writeAndWait(socket, Buffer.concat([Buffer.from('Connection: close\r\n\r\n'), context.head.method === 'HEAD' ? Buffer.alloc(0) : body])))) return;
  finish(socket);
};

/**
 * conflicting-content-length: two (or more) different Content-Length fields (default 16 and 32) and a 32-byte body
 * (RFC 9112 §6.3 item 5: an unrecoverable framing error; RFC 9110 §8.6).
 */
export const conflictingContentLength: Behaviour = async (context) => {
  const lengths = context.params.contentLengths ?? [16, 32];
  context.fault(`Content-Length ${lengths.join(' and ')}`);
  const bodyLength = Math.min(Math.max(...lengths), 1024 * 1024);
  const fields: RawHeaders = lengths.map((n) => ['Content-Length', n]);
  context.socket.resume();
  if (!(await writeAndWait(context.socket, responseHead(200, [['Content-Type', 'text/plain'], ...fields, [SCENARIO_HEADER, context.id], ['Connection', 'close']])))) return;
  if (await writeFill(context.socket, bodyLength)) finish(context.socket);
};
