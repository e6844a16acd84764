import { SCENARIO_HEADER, flushed, finish, responseHead, sendAndClose, type RawHeaders } from '../response.js';
import type { Behaviour } from './context.js';

const FILL = 0x61;

/**
 * truncated-body: Content-Length `contentLength` (default 1 MiB) but only `sentBytes` (default 1024) body bytes,
 * then FIN (RFC 9112 §8: an incomplete message).
 */
export const truncatedBody: Behaviour = async (context) => {
  const length = context.params.contentLength ?? 1024 * 1024;
  const sent = Math.min(context.params.sentBytes ?? 1024, Math.max(length - 1, 0));
  context.fault(`FIN after ${sent} of ${length} body bytes`);
  const head = responseHead(200, [['Content-Type', 'application/octet-stream'], ['Content-Length', length], ['Cache-Control', 'no-store'], [SCENARIO_HEADER, context.id]]);
  context.socket.write(Buffer.concat([head, Buffer.alloc(sent, FILL)]));
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

/**
 * header-overflow: a 200 whose header fields total `headerBytes` (default 128 KiB): `many` fields
 * `X-Badorigin-Filler-N` of about 1 KiB each, or one `single` field. Past nginx's 4/8 KiB buffers, Node's 16 KiB
 * and Varnish's 32 KiB `http_resp_size`.
 */
export const headerOverflow: Behaviour = (context) => {
  const total = context.params.headerBytes ?? 128 * 1024;
  const shape = context.params.headerShape ?? 'many';
  const fields: RawHeaders = [];
  if (shape === 'single') fields.push(['X-Badorigin-Filler', 'a'.repeat(Math.max(total - 'X-Badorigin-Filler: \r\n'.length, 0))]);
  else {
    let left = total;
    for (let i = 0; left > 0; i++) {
      const name = `X-Badorigin-Filler-${i}`;
      const valueLength = Math.max(Math.min(1024, left) - name.length - 4, 1);
      fields.push([name, 'a'.repeat(valueLength)]);
      left -= name.length + 4 + valueLength;
    }
  }
  context.fault(`${fields.length} header fields, ${total} bytes`);
  const body = `badorigin ${context.id}\n`;
  sendAndClose(context.socket, Buffer.concat([responseHead(200, [['Content-Type', 'text/plain'], ['Content-Length', body.length], ...fields, ['Connection', 'close']]), Buffer.from(body)]));
};

/**
 * conflicting-content-length: two (or more) different Content-Length fields (default 16 and 32) and a 32-byte body
 * (RFC 9112 §6.3 item 5: an unrecoverable framing error; RFC 9110 §8.6).
 */
export const conflictingContentLength: Behaviour = (context) => {
  const lengths = context.params.contentLengths ?? [16, 32];
  context.fault(`Content-Length ${lengths.join(' and ')}`);
  const bodyLength = Math.min(Math.max(...lengths), 1024 * 1024);
  const fields: RawHeaders = lengths.map((n) => ['Content-Length', n]);
  sendAndClose(context.socket, Buffer.concat([responseHead(200, [['Content-Type', 'text/plain'], ...fields, [SCENARIO_HEADER, context.id], ['Connection', 'close']]), Buffer.alloc(bodyLength, FILL)]));
};
