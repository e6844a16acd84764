import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Type } from 'typebox';
import { OCSP_PATH } from '../pki/leaf-spec.js';
import type { Revocation } from '../pki/revocation.js';
import { headTimeoutDetail } from './caps.js';
import { defineMechanism } from './define-mechanism.js';
import { HeadDeadlines } from './http/head-deadline.js';
import { rawHeaderPairs, requestEvent } from './http/request-event.js';
import { sendAndClose } from './http/response.js';
import { SCENARIO_HEADER } from './http-ok.js';
import type { MechanismContext } from './mechanism.js';

/** An OCSP request is a few hundred bytes (RFC 6960 §4.1.1); a POST body past this is refused with 413. */
const MAX_OCSP_REQUEST_BYTES = 16_384;
const CRL_PATH = /^\/crl\/([a-z-]{1,40})\.crl$/;

type Answer = { status: number; type: string; body: Buffer | string };

const text = (status: number, body: string): Answer => ({ status, type: 'text/plain; charset=utf-8', body: `${body}\n` });
const ocsp = (body: Buffer): Answer => ({ status: 200, type: 'application/ocsp-response', body });

/**
 * The answer to a GET: a CA's CRL (`/crl/<ca>.crl`, RFC 5280 §5, `application/pkix-crl` as RFC 2585 §4.2 names it)
 * or an OCSP request in the path (`/ocsp/<base64 DER, URL-encoded>`, RFC 6960 Appendix A.1); any other path, 200
 * with the list of these.
 */
async function answerGet(revocation: Revocation, path: string): Promise<Answer> {
  const crlName = CRL_PATH.exec(path)?.[1];
  if (crlName !== undefined) {
    const crl = await revocation.crl(crlName);
    return crl
      ? { status: 200, type: 'application/pkix-crl', body: crl }
      : text(404, `no CRL for ${crlName}: the farm keeps none by that name`);
  }
  if (path.startsWith(`${OCSP_PATH}/`)) {
    let encoded: string;
    try {
      encoded = decodeURIComponent(path.slice(OCSP_PATH.length + 1));
    } catch {
      encoded = '';
    }
    return ocsp(await revocation.answer(Buffer.from(encoded, 'base64')));
  }
  // Any other path (a proxy's probe path included) gets the list of what is served here.
  return text(200, `badorigin revocation responder: GET /crl/<ca>.crl, POST ${OCSP_PATH}, GET ${OCSP_PATH}/<base64 request>`);
}

function send(response: ServerResponse, id: string, answer: Answer, head: boolean): void {
  response.writeHead(answer.status, {
    'content-type': answer.type,
    'content-length': Buffer.byteLength(answer.body),
    'cache-control': 'no-store',
    [SCENARIO_HEADER]: id,
  });
  response.end(head ? undefined : answer.body);
}

/** Reads an OCSP POST body, at most MAX_OCSP_REQUEST_BYTES; null when it is longer or the client goes away. */
function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OCSP_REQUEST_BYTES) return resolve(null);
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', () => resolve(null));
    request.once('close', () => resolve(null));
  });
}

async function handle(revocation: Revocation, context: MechanismContext, request: IncomingMessage, response: ServerResponse) {
  const path = (request.url ?? '/').split('?')[0]!;
  const { maxHeaders } = context.caps;
  context.emit(requestEvent(request.method ?? '', request.url ?? '', rawHeaderPairs(request.rawHeaders, maxHeaders), maxHeaders));
  if (request.method === 'GET' || request.method === 'HEAD')
    return send(response, context.id, await answerGet(revocation, path), request.method === 'HEAD');
  if (request.method !== 'POST' || path !== OCSP_PATH) {
    request.resume();
    return send(response, context.id, text(405, `only POST ${OCSP_PATH} takes a body`), false);
  }
  const body = await readBody(request);
  if (body === null) {
    response.shouldKeepAlive = false;
    return send(response, context.id, text(413, `an OCSP request larger than ${MAX_OCSP_REQUEST_BYTES} bytes`), false);
  }
  send(response, context.id, ocsp(await revocation.answer(body)), false);
}

/**
 * The farm's revocation responder, a well-behaved HTTP/1.1 origin (node:http) for the certificate listeners'
 * revocation data: each CA's CRL at `GET /crl/<ca>.crl` and an OCSP responder (RFC 6960 Appendix A: `POST /ocsp`
 * with `application/ocsp-request`, or `GET /ocsp/<base64>`), answering from the farm's PKI (src/pki/revocation.ts).
 * Leaves with a `revocation` name this listener in their authorityInfoAccess and cRLDistributionPoints. Malformed
 * OCSP requests get an OCSP `malformedRequest` answer; request heads are capped as on every HTTP listener.
 */
export const revocationResponderMechanism = defineMechanism({
  name: 'revocation-responder',
  transport: 'http',
  params: Type.Object({}, { additionalProperties: false }),
  create(_params, context) {
    const { caps } = context;
    const heads = new HeadDeadlines(caps.headTimeoutMs, (socket) => {
      context.emit({ type: 'fault', detail: headTimeoutDetail(caps.headTimeoutMs) });
      socket.destroy();
    });
    const server = createServer({ maxHeaderSize: caps.maxHeaderBytes }, (request, response) => {
      heads.requestStarted(request.socket);
      response.once('finish', () => heads.responseDone(request.socket));
      handle(context.pki.revocation, context, request, response).catch((error: Error) => {
        context.emit({ type: 'handler-error', error: error.message });
        request.socket.destroy();
      });
    });
    server.maxHeadersCount = caps.maxHeaders;
    server.keepAliveTimeout = 5_000;
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      context.emit({ type: 'fault', detail: `bad request: ${error.code ?? error.message}, 400` });
      if (socket.writable) sendAndClose(socket, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    return {
      onConnection(socket) {
        heads.watch(socket);
        server.emit('connection', socket);
      },
    };
  },
});
