import type { Socket } from 'node:net';
import { parseClientHelloRecord, type ClientHelloSummary } from '../../tls/client-hello.js';
import { summarizeClientHello } from '../../tls/client-hello-summary.js';
import { readUntil } from './read-until.js';

/** Largest TLSPlaintext fragment (RFC 8446 §5.1: 2^14 bytes); a longer record is handed on unparsed. */
const MAX_FRAGMENT = 16_384;

/**
 * How much of the buffered input to take before handing the socket on: the whole first record when it is a
 * handshake record of sane size, or whatever arrived when it is not TLS or is oversized (node:tls then fails it
 * exactly as it would have, e.g. "wrong version number" for plain HTTP).
 */
function firstRecordEnd(buffer: Buffer): number | null {
  if (buffer[0] !== 22) return buffer.length;
  if (buffer.length < 5) return null;
  const length = buffer.readUInt16BE(3);
  if (length > MAX_FRAGMENT) return buffer.length;
  return buffer.length >= 5 + length ? 5 + length : null;
}

/**
 * Reads the client's first TLS record before node:tls sees the socket, summarises it when it is a ClientHello, and
 * puts every byte back (`unshift`), so the handshake proceeds untouched.
 * @param timeoutMs how long to wait for the whole record, in ms (the farm's handshake timeout).
 * @returns `{ summary }` (null summary for input that is not a parsable ClientHello), or null when the client closed
 *   or sent no complete record within `timeoutMs` (the caller then drops the connection).
 */
export async function captureClientHello(socket: Socket, timeoutMs: number): Promise<{ summary: ClientHelloSummary | null } | null> {
  const bytes = await readUntil(socket, firstRecordEnd, { maxBytes: 5 + MAX_FRAGMENT + 1, timeoutMs });
  if (!bytes) return null;
  socket.unshift(bytes);
  const parsed = parseClientHelloRecord(bytes.subarray(0, firstRecordEnd(bytes) ?? bytes.length));
  return { summary: parsed.ok ? summarizeClientHello(parsed.hello) : null };
}
