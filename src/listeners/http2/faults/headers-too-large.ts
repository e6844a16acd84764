import { Type } from 'typebox';
import type { HeaderField } from '../../../h2/hpack.js';
import { MAX_HEADER_BYTES } from '../../http/params.js';
import { defineH2Fault } from '../define-fault.js';

/** Bytes of each filler field's value. */
const FIELD_VALUE_BYTES = 4000;

/** Filler fields `x-filler-<n>` whose names and values add up to at least `bytes`. */
function filler(bytes: number): HeaderField[] {
  const fields: HeaderField[] = [];
  for (let total = 0, n = 0; total < bytes; n++) {
    const name = `x-filler-${n}`;
    const value = `${n}`.padEnd(Math.min(FIELD_VALUE_BYTES, Math.max(1, bytes - total - name.length)), 'f');
    fields.push({ name, value });
    total += name.length + value.length;
  }
  return fields;
}

/**
 * h2-headers-too-large: the control's response with `headerBytes` bytes (default 160 KiB; at most 1 MiB) of extra
 * header fields, in HEADERS and CONTINUATION frames: past what clients accept (RFC 9113 §10.5.1) and past the
 * 128 KB of cloudflare-error-520 § Common causes.
 */
export const headersTooLargeFault = defineH2Fault({
  name: 'headers-too-large',
  params: {
    /** Bytes of response header fields sent besides the control's (default 160 KiB, in CONTINUATION frames). */
    headerBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HEADER_BYTES })),
  },
  defaults: { headerBytes: 160 * 1024 },
  create({ params, ok }) {
    const bytes = params.headerBytes;
    return {
      onRequest(session, request) {
        const { fields, body } = ok();
        session.report(`${bytes} bytes of response header fields`);
        session.respond(request.streamId, [...fields, ...filler(bytes)], body);
      },
    };
  },
});
