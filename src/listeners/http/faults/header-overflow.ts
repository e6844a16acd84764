import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { writeFill } from '../filler.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, finish, responseHead, writeAndWait } from '../response.js';
import type { RequestContext } from './context.js';

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
export const headerOverflowFault = defineHttpFault({
  name: 'header-overflow',
  params: {
    /** Total bytes of the filler header fields (default 128 KiB). */
    headerBytes: Type.Optional(PARAM.headerBytes),
    /** `many` (1 KiB fields: past limits on the whole head) or `single` (one field: past limits per field). */
    headerShape: Type.Optional(Type.Enum(['many', 'single'])),
  },
  defaults: { headerBytes: 128 * 1024, headerShape: 'many' },
  overrides: ['headerBytes'],
  behaviour: (context) => overflow(context, context.params.headerBytes, context.params.headerShape),
});

async function overflow(context: RequestContext, total: number, shape: 'many' | 'single'): Promise<void> {
  const body = Buffer.from(`badorigin ${context.id}\n`);
  // The head without its final empty line: the filler fields follow, then Connection and the empty line.
  const start = responseHead(200, [
    ['Content-Type', 'text/plain'],
    ['Content-Length', body.length],
    [SCENARIO_HEADER, context.id],
  ]);
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
  if (
    !(await writeAndWait(
      socket,
      Buffer.concat([Buffer.from('Connection: close\r\n\r\n'), context.head.method === 'HEAD' ? Buffer.alloc(0) : body]),
    ))
  )
    return;
  finish(socket);
}
