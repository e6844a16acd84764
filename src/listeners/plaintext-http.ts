import { HttpOkResponder } from './http-ok.js';
import { Type } from 'typebox';
import { defineMechanism } from './define-mechanism.js';

/**
 * `plaintext-on-tls`: plain HTTP/1.1 on a port the client reaches with TLS (Fastly "Unknown protocol",
 * fastly-tls-origin-configuration-messages § SSL and old TLS protocol errors). node:http (the farm's HttpOkResponder,
 * fed the socket with `emit('connection')`) reads the client's ClientHello as a request line, finds it is not HTTP
 * and answers `HTTP/1.1 400 Bad Request` at once, then closes. The client's TLS stack reads `HTTP/` (0x48 0x54 0x54
 * 0x50 0x2f) as a record header with content type 72 and version 0x5454, and OpenSSL fails with `wrong version
 * number`. A listener that waited for a whole request head instead would leave the client waiting for a ServerHello
 * until it timed out, which is not what such an origin does.
 *
 * Transport `tls` in the manifest because the client's side speaks TLS. No params.
 */
export const plaintextHttpMechanism = defineMechanism({
  name: 'plaintext-http',
  transport: 'tls',
  params: Type.Object({}, { additionalProperties: false }),
  create(_params, context) {
    const responder = new HttpOkResponder(context);
    return {
      onConnection(socket) {
        responder.serve(socket);
      },
    };
  },
});
