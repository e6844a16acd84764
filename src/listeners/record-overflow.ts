import { Type } from 'typebox';
import { parseClientHelloRecord } from '../tls/client-hello.js';
import { summarizeClientHello } from '../tls/client-hello-summary.js';
import { ContentType, MAX_CIPHERTEXT, oversizedRecord, tlsRecordEnd } from '../tls/records.js';
import { readFirstRecord } from './connection/handshake-deadline.js';
import { sendAndClose } from './http/response.js';
import { defineMechanism } from './define-mechanism.js';

/** `params` of the `tls-record-overflow` mechanism. */
export const RecordOverflowParams = Type.Object(
  {
    /** The record's length field, in bytes: more than 2^14 + 2048 (18432), at most 65535; default 18433. */
    length: Type.Optional(Type.Integer({ minimum: MAX_CIPHERTEXT + 1, maximum: 0xffff })),
  },
  { additionalProperties: false },
);

/**
 * `tls-record-overflow`: reads the client's ClientHello (reported as a `client-hello` event when it parses) and
 * answers with one handshake record (TLS 1.2 record version) whose length field exceeds 2^14 + 2048, followed by that
 * many zero bytes, then closes with a FIN. RFC 8446 §5.2 ("The length MUST NOT exceed 2^14 + 256 octets. An endpoint
 * that receives a record that exceeds this length MUST terminate the connection with a "record_overflow" alert") and
 * RFC 5246 §6.2.3 (2^14 + 2048). Bounded like `tls-alert`: no complete record within `--handshake-timeout-ms`, or
 * more than a record may hold, just closes. Never throws.
 */
export const recordOverflowMechanism = defineMechanism({
  name: 'tls-record-overflow',
  transport: 'tls',
  params: RecordOverflowParams,
  create(params, context) {
    const length = params.length ?? MAX_CIPHERTEXT + 1;
    return {
      onConnection(socket) {
        void readFirstRecord(socket, context.caps, context.emit).then((bytes) => {
          if (!bytes) return void socket.destroy();
          const parsed = parseClientHelloRecord(bytes.subarray(0, tlsRecordEnd(bytes) ?? bytes.length));
          if (parsed.ok) context.emit({ type: 'client-hello', clientHello: summarizeClientHello(parsed.hello) });
          context.emit({ type: 'fault', detail: `handshake record with length ${length} (over ${MAX_CIPHERTEXT}) after the ClientHello` });
          sendAndClose(socket, oversizedRecord(ContentType.handshake, 0x0303, length));
        });
      },
    };
  },
});
