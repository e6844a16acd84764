import type { TLSSocket } from 'node:tls';
import { headTimeoutDetail } from './caps.js';
import { readUntil } from './connection/read-until.js';
import { requestEvent } from './http/request-event.js';
import { sendAndClose } from './http/response.js';
import { SCENARIO_HEADER } from './http-ok.js';
import type { MechanismContext } from './mechanism.js';

/** End of an HTTP/1.1 request head (the empty line, RFC 9112 §2.1), or null until it arrived. */
function headEnd(buffer: Buffer): number | null {
  const at = buffer.indexOf('\r\n\r\n');
  return at < 0 ? null : at + 4;
}

/**
 * Answers one request on a completed TLS 1.2 connection with the `200` response head, then asks the client to
 * renegotiate — node:tls's `renegotiate`, which has OpenSSL send a HelloRequest (RFC 5246 §7.4.1.1; TLS 1.3 has
 * none) — and sends the body once the renegotiation is over, whether the client went through with it or refused it
 * (then the connection may already be gone). A `fault` event says which. `Connection: close`: one request per
 * connection. Bounded: a request head over `maxHeaderBytes` or not complete within `headTimeoutMs` closes the
 * connection; a client that never answers the HelloRequest is held up to `--max-hold-ms`. Never throws.
 */
export function answerWithHelloRequest(socket: TLSSocket, context: Pick<MechanismContext, 'id' | 'emit' | 'caps'>): void {
  const { caps, emit } = context;
  const body = `badorigin ${context.id}: you got through\n`;
  const onTimeout = () => emit({ type: 'fault', detail: headTimeoutDetail(caps.headTimeoutMs) });
  void readUntil(socket, headEnd, { maxBytes: caps.maxHeaderBytes, timeoutMs: caps.headTimeoutMs, onTimeout }).then((head) => {
    if (!head) return void socket.destroy();
    const [method = '', target = ''] = head
      .subarray(0, Math.max(0, head.indexOf('\r\n')))
      .toString('latin1')
      .split(' ');
    emit(requestEvent(method, target, [], caps.maxHeaders));
    socket.write(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\n${SCENARIO_HEADER}: ${context.id}\r\n` +
        'Connection: close\r\n\r\n',
    );
    socket.resume();
    const started = socket.renegotiate({ rejectUnauthorized: false }, (error) => {
      emit({
        type: 'fault',
        detail: error
          ? `HelloRequest after the response head: ${error.message}`
          : 'HelloRequest after the response head: the client renegotiated',
      });
      sendAndClose(socket, body);
    });
    if (!started) {
      emit({ type: 'fault', detail: 'no HelloRequest: renegotiation is not possible on this connection' });
      sendAndClose(socket, body);
    }
  });
}
