import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { writeFill } from '../filler.js';
import { MAX_BODY_BYTES } from '../params.js';
import { SCENARIO_HEADER, finish, responseHead, writeAndWait, type RawHeaders } from '../response.js';

/**
 * conflicting-content-length: two (or more) different Content-Length fields (default 16 and 32) and a body of the
 * largest (at most 1 MiB) (RFC 9112 §6.3 item 5: an unrecoverable framing error; RFC 9110 §8.6).
 */
export const conflictingContentLengthFault = defineHttpFault({
  name: 'conflicting-content-length',
  params: {
    /** The Content-Length values, in order. */
    contentLengths: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: MAX_BODY_BYTES }), { minItems: 2, maxItems: 16 })),
  },
  defaults: { contentLengths: [16, 32] },
  async behaviour(context) {
    const lengths = context.params.contentLengths;
    context.fault(`Content-Length ${lengths.join(' and ')}`);
    const bodyLength = Math.min(Math.max(...lengths), 1024 * 1024);
    const fields: RawHeaders = lengths.map((n) => ['Content-Length', n]);
    context.socket.resume();
    if (
      !(await writeAndWait(
        context.socket,
        responseHead(200, [['Content-Type', 'text/plain'], ...fields, [SCENARIO_HEADER, context.id], ['Connection', 'close']]),
      ))
    )
      return;
    if (await writeFill(context.socket, bodyLength)) finish(context.socket);
  },
});
