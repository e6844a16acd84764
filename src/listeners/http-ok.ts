import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Response header that names the listener a client got through to. */
export const SCENARIO_HEADER = 'x-badorigin-scenario';

/**
 * An HTTP/1.1 responder for clients that get through a listener's fault (or for the control listeners): every
 * request gets `200 OK`, `X-Badorigin-Scenario: <id>` and a one-line text body. It never listens on a port itself:
 * hand it connected sockets (plain or TLS) with `serve(socket)`; node:http answers malformed requests with 400.
 */
export class HttpOkResponder {
  private readonly server: Server;

  constructor(id: string) {
    const body = `badorigin ${id}: you got through\n`;
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (request, response) => {
      request.resume();
      response.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        [SCENARIO_HEADER]: id,
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Serves HTTP on an already-connected socket. */
  serve(socket: Duplex): void {
    this.server.emit('connection', socket);
  }
}
