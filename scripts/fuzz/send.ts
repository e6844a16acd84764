import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { h2Outcome } from './h2-outcome.js';
import type { FuzzInput } from './input.js';

/** What one fuzz connection saw (the farm's reaction to one input). */
export interface SendResult {
  /**
   * `alert-<description>` (a TLS alert record, RFC 5246 §7.2), `handshake` (a handshake record: the farm went on),
   * `http-<status>`, `data` (bytes that are neither), `closed` (FIN, nothing sent), `reset` (RST, nothing sent),
   * `timeout` (nothing within the deadline; the fuzzer closed), `we-reset` (the input ends with our RST, so there is
   * no answer to see), `tls-failed` (HTTP-over-TLS inputs whose handshake failed), `error-<code>` (another socket
   * error), `connect-<code>` (the connection could not be made: a failure of the farm or of the machine); for an
   * `h2` target, the frames it answered with (h2-outcome.ts: `h2-goaway-<ERROR>`, `h2-rst-<ERROR>`, `h2-headers` …).
   */
  outcome: string;
}

/**
 * How to reach the target. `tls`: complete a handshake trusting `ca` first, then send the input inside it. `h2`: the
 * target speaks HTTP/2 (offer ALPN `h2` in the handshake, and wait for a decisive frame rather than 16 bytes).
 */
export interface SendTarget {
  port: number;
  tls?: { ca: string; servername: string };
  h2?: boolean;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'EHOSTUNREACH', 'EMFILE', 'ENFILE', 'ENOBUFS']);

/** Names the first bytes the farm sent. */
function classify(data: Buffer, overTls: boolean, h2 = false): string {
  if (h2) return h2Outcome(data, true) ?? 'data';
  if (!overTls && data[0] === 21 && data.length >= 7) return `alert-${data[6]}`;
  if (!overTls && data[0] === 22) return 'handshake';
  const head = data.subarray(0, 16).toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return status ? `http-${status[1]}` : 'data';
}

/**
 * Opens one connection to 127.0.0.1:`target.port`, writes the input's chunks (with their gaps), ends it as the input
 * says, and resolves with the farm's first reaction: once it has 16 bytes (an `h2` target: a decisive frame) or the farm closes, or after
 * `deadlineMs` (then `timeout`). The connection is always destroyed before this resolves; never rejects.
 */
export function sendInput(target: SendTarget, input: FuzzInput, deadlineMs: number): Promise<SendResult> {
  return new Promise((resolve) => {
    let data: Buffer = Buffer.alloc(0);
    let connected = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const overTls = Boolean(target.tls);
    const socket: Socket = target.tls
      ? tlsConnect({
          host: '127.0.0.1',
          port: target.port,
          ca: target.tls.ca,
          servername: target.tls.servername,
          ...(target.h2 ? { ALPNProtocols: ['h2'] } : {}),
        })
      : netConnect({ host: '127.0.0.1', port: target.port });
    const settle = (outcome: string) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      resolve({ outcome });
    };
    timers.push(setTimeout(() => settle(data.length ? classify(data, overTls, target.h2) : 'timeout'), deadlineMs));
    socket.on('data', (chunk: Buffer) => {
      data = data.length ? Buffer.concat([data, chunk]) : chunk;
      if (target.h2) {
        // A flood's answers (a PING ACK per PING …) are bounded here: 64 KiB without a decisive frame is an answer too.
        const outcome = h2Outcome(data, data.length > 65_536);
        if (outcome) settle(outcome);
      } else if (data.length >= 16) settle(classify(data, overTls));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A connection the farm resets at once (reset-on-connect) can fail before 'connect' is seen: that is the farm's
      // answer, not a connection that could not be made.
      if (!connected && CONNECT_ERRORS.has(error.code ?? '')) return settle(`connect-${error.code}`);
      if (!connected) return settle(overTls ? 'tls-failed' : error.code === 'ECONNRESET' ? 'reset' : `error-${error.code ?? 'unknown'}`);
      settle(
        data.length
          ? classify(data, overTls, target.h2)
          : error.code === 'ECONNRESET' || error.code === 'EPIPE'
            ? 'reset'
            : `error-${error.code ?? 'unknown'}`,
      );
    });
    socket.on('close', () => settle(data.length ? classify(data, overTls, target.h2) : 'closed'));
    socket.once(overTls ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.setNoDelay(true);
      let at = 0;
      input.chunks.forEach((chunk, i) => {
        at += input.gapsMs[i] ?? 0;
        const write = () => {
          // The farm may have closed already (allowHalfOpen is off: its FIN ends our side too); 'close' reports it.
          if (settled || !socket.writable) return;
          socket.write(chunk);
          if (i === input.chunks.length - 1) {
            // Over TLS an RST would cut the record layer, not the request: those inputs end with a FIN instead.
            if (input.end === 'fin' || (input.end === 'rst' && overTls)) socket.end();
            // After an RST the farm's reaction cannot be seen: the input's effect is what the farm does with it.
            else if (input.end === 'rst') {
              if (socket.writableLength === 0) reset();
              else socket.once('drain', reset);
            }
          }
        };
        if (at === 0) write();
        else timers.push(setTimeout(write, at));
      });
      if (input.chunks.length === 0 && input.end === 'fin') socket.end();
    });
    const reset = () => {
      if (settled) return;
      socket.resetAndDestroy();
      settle('we-reset');
    };
  });
}
