import { Type } from 'typebox';
import { cacheableResponse } from '../cacheable-response.js';
import { defineHttpFault } from '../define-fault.js';
import { PARAM } from '../params.js';
import { sendAndClose } from '../response.js';

/**
 * illegal-vary: a cacheable 200 whose Vary Varnish's `VRY_Create` rejects (tokens separated only by whitespace, or
 * a field name over 127 bytes). fastly-generated-errors § Errors in VCL: "Illegal Vary header from backend".
 */
export const illegalVaryFault = defineHttpFault({
  name: 'illegal-vary',
  params: {
    /** The Vary value, written as is (default `Accept-Encoding User-Agent`). */
    vary: Type.Optional(Type.String({ minLength: 1, maxLength: 8192, pattern: '^[\\x20-\\x7e]*$' })),
    /** Cache-Control max-age, in seconds (default 60). */
    maxAgeS: Type.Optional(PARAM.maxAgeS),
  },
  defaults: { vary: 'Accept-Encoding User-Agent', maxAgeS: 60 },
  overrides: ['maxAgeS'],
  behaviour(context) {
    const vary = context.params.vary;
    context.fault(`Vary: ${vary.length > 60 ? `${vary.slice(0, 60)}… (${vary.length} bytes)` : vary}`);
    sendAndClose(
      context.socket,
      cacheableResponse(context, context.params.maxAgeS, [['Vary', vary]], 'cacheable 200 with an illegal Vary'),
    );
  },
});
