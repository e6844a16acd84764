import { STATUS_CODES, createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { capFlag, headTimeoutDetail } from './caps.js';
import { HeadDeadlines } from './http/head-deadline.js';
import { rawHeaderPairs, requestEvent } from './http/request-event.js';
import { sendAndClose } from './http/response.js';
import { tapResponseHead } from './http/response-tap.js';
import type { MechanismContext } from './mechanism.js';

/** Response header that names the listener a client got through to. */
export const SCENARIO_HEADER = 'x-badorigin-scenario';

/** The bodiless `Connection: close` answer node:http gives a request it refuses, e.g. 431 (RFC 6585 §5). */
const refusal = (status: number) => `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`;

/** node:http's status for each client error it answers (the rest get 400), as its own default handler picks them. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * An HTTP/1.1 responder for clients that get through a listener's fault (or for the control listeners): every
 * request gets `200 OK`, `X-Badorigin-Scenario: <id>` and a one-line text body. It never listens on a port itself:
 * hand it connected sockets (plain or TLS) with `serve(socket)`; node:http answers malformed requests with 400.
 *
 * Caps (`context.caps`): a request head over `maxHeaderBytes` (node:http's `maxHeaderSize`) or with more than
 * `maxHeaders` fields gets a 431 and a close, and a `fault` event naming the flag. Other parse errors (node:http's
 * `HPE_*` codes) get a 400 and a `bad request` fault event. The answers are node:http's own (status, bytes, only
 * before anything else was written on the connection), but sent with `sendAndClose` rather than written and
 * destroyed at once, which over TLS could drop the answer before it left. A client that has not sent a complete
 * request head `headTimeoutMs` after `serve` or after its last response is closed with a `fault` event naming
 * `--head-timeout-ms`.
 */
export class HttpOkResponder {
  private readonly server: Server;
  private readonly heads: HeadDeadlines;

  constructor(context: Pick<MechanismContext, 'id' | 'emit' | 'caps'>) {
    const { id, caps } = context;
    const body = `badorigin ${id}: you got through\n`;
    this.heads = new HeadDeadlines(caps.headTimeoutMs, (socket) => {
      context.emit({ type: 'fault', detail: headTimeoutDetail(caps.headTimeoutMs) });
      socket.destroy();
    });
    this.server = createServer({ maxHeaderSize: caps.maxHeaderBytes }, (request, response) => {
      this.heads.requestStarted(request.socket);
      response.once('finish', () => this.heads.responseDone(request.socket));
      if (request.rawHeaders.length / 2 > caps.maxHeaders) {
        context.emit({ type: 'fault', detail: `cap: more than ${caps.maxHeaders} header fields, 431 (${capFlag('maxHeaders')})` });
        sendAndClose(request.socket, refusal(431));
        return;
      }
      context.emit(
        requestEvent(request.method ?? '', request.url ?? '', rawHeaderPairs(request.rawHeaders, caps.maxHeaders), caps.maxHeaders),
      );
      request.resume();
      tapResponseHead(request.socket, context.emit);
      response.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        [SCENARIO_HEADER]: id,
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    // One more than the cap, so that a request over it is seen (node:http silently drops fields past this count).
    this.server.maxHeadersCount = caps.maxHeaders + 1;
    this.server.keepAliveTimeout = 5_000;
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
      if (error.code === 'HPE_HEADER_OVERFLOW') {
        context.emit({
          type: 'fault',
          detail: `cap: request head larger than ${caps.maxHeaderBytes} bytes, 431 (${capFlag('maxHeaderBytes')})`,
        });
      } else if (error.code?.startsWith('HPE_')) {
        context.emit({ type: 'fault', detail: `bad request: ${error.code}, ${status}` });
      }
      const untouched = ((socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0) === 0;
      if (socket.writable && untouched) sendAndClose(socket, refusal(status));
      else socket.destroy();
    });
  }

  /** Serves HTTP on an already-connected socket. */
  serve(socket: Duplex): void {
    this.heads.watch(socket);
    this.server.emit('connection', socket);
  }
}
