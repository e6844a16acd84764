import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { MechanismContext } from './mechanism.js';

/** Response header that names the listener a client got through to. */
export const SCENARIO_HEADER = 'x-badorigin-scenario';

/** node:http's answer to a request with too many header fields (RFC 6585 §5), then a close. */
const TOO_MANY_HEADERS = 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n';

/**
 * An HTTP/1.1 responder for clients that get through a listener's fault (or for the control listeners): every
 * request gets `200 OK`, `X-Badorigin-Scenario: <id>` and a one-line text body. It never listens on a port itself:
 * hand it connected sockets (plain or TLS) with `serve(socket)`; node:http answers malformed requests with 400.
 *
 * Caps (`context.caps`): a request head over `maxHeaderBytes` gets node:http's 431 (`maxHeaderSize`), one with more
 * than `maxHeaders` fields a 431 from here; both close the connection and report a `fault` event naming the flag.
 * Other parse errors (node:http's `HPE_*` codes) get node:http's own 400 and a `bad request` fault event.
 */
export class HttpOkResponder {
  private readonly server: Server;
  private readonly context: Pick<MechanismContext, 'id' | 'emit' | 'caps'>;

  constructor(context: Pick<MechanismContext, 'id' | 'emit' | 'caps'>) {
    this.context = context;
    const { id, caps } = context;
    const body = `badorigin ${id}: you got through\n`;
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: caps.maxHeaderBytes }, (request, response) => {
      if (request.rawHeaders.length / 2 > caps.maxHeaders) {
        context.emit({ type: 'fault', detail: `cap: more than ${caps.maxHeaders} header fields, 431 (--max-headers)` });
        request.socket.end(TOO_MANY_HEADERS);
        return;
      }
      request.resume();
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
  }

  /** Serves HTTP on an already-connected socket. */
  serve(socket: Duplex): void {
    // node:http answers a parse error itself (400, or 431 past maxHeaderSize) and destroys the socket with it.
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'HPE_HEADER_OVERFLOW') {
        this.context.emit({ type: 'fault', detail: `cap: request head larger than ${this.context.caps.maxHeaderBytes} bytes, 431 (--max-header-bytes)` });
      } else if (error.code?.startsWith('HPE_')) {
        this.context.emit({ type: 'fault', detail: `bad request: ${error.code}, 400` });
      }
    });
    this.server.emit('connection', socket);
  }
}
