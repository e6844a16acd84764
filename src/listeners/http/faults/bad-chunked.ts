import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { SCENARIO_HEADER, responseHead, sendAndClose } from '../response.js';

/** What follows the one good chunk, by variant. */
const TAILS = {
  'bad-size': 'zz\r\nthis is not a chunk\r\n0\r\n\r\n',
  'missing-crlf': '8\r\nno crlf!XYZ0\r\n\r\n',
  'no-last-chunk': '',
} as const;

/**
 * bad-chunked: `Transfer-Encoding: chunked` with one well-formed 16-byte chunk, then (RFC 9112 §7.1 broken) by
 * `variant`: `bad-size` a size line `zz`; `missing-crlf` a chunk whose data is not followed by CRLF; `no-last-chunk`
 * FIN without the terminating `0` chunk.
 */
export const badChunkedFault = defineHttpFault({
  name: 'bad-chunked',
  params: {
    /** Which malformation (default `bad-size`). */
    variant: Type.Optional(PARAM.variant),
  },
  defaults: { variant: 'bad-size' },
  overrides: ['variant'],
  behaviour(context) {
    const variant = context.params.variant;
    context.fault(`chunked: ${variant}`);
    const head = responseHead(200, [
      ['Content-Type', 'text/plain'],
      ['Transfer-Encoding', 'chunked'],
      ['Cache-Control', 'no-store'],
      [SCENARIO_HEADER, context.id],
    ]);
    const good = '10\r\nbadorigin chunk\n\r\n';
    sendAndClose(context.socket, Buffer.concat([head, Buffer.from(good + TAILS[variant], 'latin1')]));
  },
});
