import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { sendAndClose } from '../response.js';

/** garbage-response: bytes that are not HTTP (default an SSH banner and binary noise), then FIN. */
export const garbageResponseFault = defineHttpFault({
  name: 'garbage-response',
  params: {
    /** The bytes sent before FIN, as text (latin1). */
    garbage: Type.Optional(Type.String({ minLength: 1, maxLength: 65536 })),
  },
  defaults: { garbage: 'SSH-2.0-OpenSSH_9.2 badorigin\r\n\x00\x01\x02\xff\xfe garbage, not HTTP\r\n\r\n' },
  behaviour(context) {
    const text = context.params.garbage;
    context.fault(`${text.length} bytes of non-HTTP`);
    sendAndClose(context.socket, Buffer.from(text, 'latin1'));
  },
});
