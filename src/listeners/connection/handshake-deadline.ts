import type { Socket } from 'node:net';
import { MAX_CIPHERTEXT, tlsRecordEnd } from '../../tls/records.js';
import { handshakeTimeoutDetail, type ListenerCaps } from '../caps.js';
import type { MechanismContext } from '../mechanism.js';
import { readUntil } from './read-until.js';

type Emit = MechanismContext['emit'];

/**
 * Closes `socket` unless its TLS handshake completes within `caps.handshakeTimeoutMs` (ms) of now: the caller clears
 * the returned timer once it does. When it fires, a `fault` event names `--handshake-timeout-ms`. Cleared when the
 * socket closes; unref'd.
 */
export function handshakeDeadline(socket: Socket, caps: Pick<ListenerCaps, 'handshakeTimeoutMs'>, emit: Emit): NodeJS.Timeout {
  const timer = setTimeout(() => {
    emit({ type: 'fault', detail: handshakeTimeoutDetail(caps.handshakeTimeoutMs) });
    socket.destroy();
  }, caps.handshakeTimeoutMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  return timer;
}

/**
 * Reads the client's first TLS record (its ClientHello, RFC 8446 §5.1), at most a header and MAX_CIPHERTEXT bytes,
 * within `caps.handshakeTimeoutMs` (ms; a `fault` event names the flag when it passes).
 * @returns the bytes read, the record first (tlsRecordEnd finds its end), or null when the client went, sent more
 *   than a record may hold, or took too long.
 */
export function readFirstRecord(socket: Socket, caps: Pick<ListenerCaps, 'handshakeTimeoutMs'>, emit: Emit): Promise<Buffer | null> {
  const onTimeout = () => emit({ type: 'fault', detail: handshakeTimeoutDetail(caps.handshakeTimeoutMs) });
  return readUntil(socket, tlsRecordEnd, { maxBytes: 5 + MAX_CIPHERTEXT, timeoutMs: caps.handshakeTimeoutMs, onTimeout });
}
