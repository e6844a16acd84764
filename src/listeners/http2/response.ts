import { createHash } from 'node:crypto';
import type { HeaderField } from '../../h2/hpack.js';
import { SCENARIO_HEADER } from '../http-ok.js';
import type { H2Request } from './session.js';

/** Seconds a client or cache may keep the control's answer (`cache-control: public, max-age`). */
const MAX_AGE_S = 60;

/** The request's `:method`, or undefined. */
export const requestMethod = (request: H2Request): string | undefined => request.fields.find((f) => f.name === ':method')?.value;

/** The control's answer: its HTTP/2 fields and its body. */
export interface OkAnswer {
  fields: HeaderField[];
  body: Buffer;
}

/**
 * The control's answer as HTTP/2 fields (RFC 9113 §8.3.2, lowercase names): a cacheable 200 as `http-ok` gives it
 * (RFC 9111 §3: `cache-control: public, max-age=60`, a strong ETag, `last-modified`, `date`), naming the listener
 * in `x-badorigin-scenario`; `body` is the one-line text body.
 */
export function okResponse(id: string, startedAt: Date): OkAnswer {
  const body = Buffer.from(`badorigin ${id}: you got through over HTTP/2\n`);
  const etag = `"${createHash('sha256').update(body).update(startedAt.toUTCString()).digest('hex').slice(0, 16)}"`;
  return {
    body,
    fields: [
      { name: ':status', value: '200' },
      { name: 'content-type', value: 'text/plain; charset=utf-8' },
      { name: 'content-length', value: String(body.length) },
      { name: 'cache-control', value: `public, max-age=${MAX_AGE_S}` },
      { name: 'etag', value: etag },
      { name: 'last-modified', value: startedAt.toUTCString() },
      { name: 'date', value: new Date().toUTCString() },
      { name: SCENARIO_HEADER, value: id },
    ],
  };
}
