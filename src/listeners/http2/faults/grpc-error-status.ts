import { SCENARIO_HEADER } from '../../http-ok.js';
import { defineH2Fault } from '../define-fault.js';

/**
 * grpc-error-status: a gRPC response that fails (gRPC over HTTP/2, PROTOCOL-HTTP2.md of grpc/grpc): HEADERS
 * `:status: 200`, `content-type: application/grpc`, no message, then trailers (HEADERS with END_STREAM) carrying
 * `grpc-status: 14` (UNAVAILABLE) and a `grpc-message`. HTTP says 200; gRPC says the call failed.
 */
export const grpcErrorStatusFault = defineH2Fault({
  name: 'grpc-error-status',
  params: {},
  defaults: {},
  create: ({ id }) => ({
    onRequest(session, request) {
      session.report(`gRPC trailers grpc-status 14 on stream ${request.streamId}`);
      session.headers(
        request.streamId,
        [
          { name: ':status', value: '200' },
          { name: 'content-type', value: 'application/grpc' },
          { name: SCENARIO_HEADER, value: id },
        ],
        false,
      );
      session.respond(
        request.streamId,
        [
          { name: 'grpc-status', value: '14' },
          { name: 'grpc-message', value: 'origin unavailable' },
        ],
        null,
      );
    },
  }),
});
