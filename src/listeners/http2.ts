import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { VALID_LEAF } from '../pki/leaf-spec.js';
import { bindFault, faultParamsSchema } from './fault-params.js';
import { H2_FAULTS } from './http2/faults/index.js';
import type { AlpnMode } from './http2/params.js';
import { splitByFirstByte } from './http2/first-byte.js';
import { H2Session } from './http2/session.js';
import { HttpOkResponder } from './http-ok.js';
import { defineMechanism } from './define-mechanism.js';
import type { MechanismContext } from './mechanism.js';
import { tlsTerminator } from './tls-terminator.js';

const ALPN_PROTOCOLS: Record<AlpnMode, string[] | undefined> = {
  h2: ['h2'],
  'h2-speaks-http1': ['h2'],
  none: undefined,
  'no-overlap': ['spdy/3'],
};

/**
 * `params` of the `http2` mechanism: the params of exactly one of its faults (src/listeners/http2/faults/), told
 * apart by `fault`: the ALPN mode (default `h2`) and the fault's own settings.
 */
export const Http2Params = faultParamsSchema(H2_FAULTS);

/**
 * HTTP/2 origin faults over TLS (the farm's valid leaf, or --tls-cert) with ALPN: each connection is an H2Session
 * (src/listeners/http2/session.ts) driven by one fault of H2_FAULTS, written frame by frame with src/h2/.
 * A client that negotiates no protocol is still spoken to in HTTP/2 (prior knowledge), so one that sends HTTP/1.1
 * gets GOAWAY PROTOCOL_ERROR. The same port serves cleartext HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3) to a
 * client whose first byte is not a TLS handshake record (`curl --http2-prior-knowledge http://…`, `nghttp http://…`):
 * the same fault, without TLS and ALPN (an `alpn: none` or `h2-speaks-http1` listener answers it in HTTP/1.1). Reproduces cloudflare-error-520 § Resolution (an origin that accepts HTTP/2 and then
 * does not respect the protocol).
 */
export const http2Mechanism = defineMechanism({
  name: 'http2',
  transport: 'tls',
  params: Http2Params,
  certificates: { leafSpecs: () => [VALID_LEAF], servesValidLeaf: () => true },
  create(params, context) {
    const { privateKeyPem, chainPem } = context.userCertificate ?? context.pki.chain(VALID_LEAF);
    const bound = bindFault('http2', H2_FAULTS, params);
    const alpn = bound.alpn;
    const fault = bound.create(context.id);
    const http1 = new HttpOkResponder(context);
    const serve = (socket: Socket) => {
      if (alpn === 'none') return http1.serve(socket);
      if (alpn === 'h2-speaks-http1') return speakHttp1(socket, context.emit);
      new H2Session(socket, fault, context);
    };
    const tls = tlsTerminator({ key: privateKeyPem, cert: chainPem, ALPNProtocols: ALPN_PROTOCOLS[alpn] }, serve, context);
    return {
      onConnection(socket, raw) {
        splitByFirstByte(
          socket,
          context,
          () => tls.onConnection(socket, raw),
          () => serve(socket),
        );
      },
    };
  },
});

/** After ALPN chose h2 (or on cleartext): waits for the client's first bytes and answers with an HTTP/1.1 200, then closes. */
function speakHttp1(socket: Socket, emit: MechanismContext['emit']): void {
  socket.on('error', () => socket.destroy());
  socket.once('data', () => {
    const alpn = socket instanceof TLSSocket ? socket.alpnProtocol : false;
    emit({ type: 'fault', detail: `ALPN ${alpn || 'none'}, answered in HTTP/1.1` });
    const body = 'HTTP/1.1 answer on an h2 connection\n';
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
}
