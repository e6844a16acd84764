import { finWithoutReply } from './connection-fault.js';
import { readFirstRecord } from './connection/handshake-deadline.js';
import { Type } from 'typebox';
import { defineMechanism } from './define-mechanism.js';

/**
 * `close-during-handshake`: reads the client's first TLS record (the ClientHello), then closes with a FIN and never
 * sends a ServerHello — the client sees an unexpected EOF in the handshake (Fastly: "SSL handshake error",
 * fastly-generated-errors § Errors in VCL). Bounded: a record over 16 KiB + 2 KiB (MAX_CIPHERTEXT) just closes, and so does
 * `--handshake-timeout-ms` of waiting (with a `fault` event).
 */
export const handshakeCloseMechanism = defineMechanism({
  name: 'close-during-handshake',
  transport: 'tls',
  params: Type.Object({}, { additionalProperties: false }),
  create(_params, context) {
    return {
      onConnection(socket) {
        void readFirstRecord(socket, context.caps, context.emit).then((record) => {
          if (!record) return void socket.destroy();
          context.emit({ type: 'fault', detail: `FIN after a ${record.length}-byte ClientHello record, no ServerHello` });
          finWithoutReply(socket);
        });
      },
    };
  },
});
