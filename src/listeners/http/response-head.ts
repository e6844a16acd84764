import { Type, type Static } from 'typebox';

/** Most bytes of a response head the farm records; a longer head (header-overflow) is recorded clipped. */
export const MAX_RESPONSE_HEAD_BYTES = 4096;
/** Most header fields of a response head the farm records; the rest are counted in `headersOmitted`. */
export const MAX_RESPONSE_HEAD_FIELDS = 32;

/**
 * The head of an HTTP response as the farm wrote it (RFC 9112 §4 status line, §5 field lines), read back from its
 * first MAX_RESPONSE_HEAD_BYTES bytes: the status line as written (a fault's malformed one included), the field
 * lines as `[name, value]` with the value trimmed (a line without a colon is `[line, '']`), at most
 * MAX_RESPONSE_HEAD_FIELDS of them, and `headBytes`, its length in bytes up to and with the empty line. `clipped`
 * when the head went on past MAX_RESPONSE_HEAD_BYTES or ended (connection closed, fault held it) before its empty
 * line; `headBytes` then counts the bytes recorded.
 */
export const ResponseHeadSent = Type.Object({
  statusLine: Type.String(),
  headers: Type.Array(Type.Tuple([Type.String(), Type.String()])),
  headersOmitted: Type.Optional(Type.Integer()),
  headBytes: Type.Integer(),
  clipped: Type.Optional(Type.Boolean()),
});
export type ResponseHeadSent = Static<typeof ResponseHeadSent>;

/** The response head of `bytes` (its first MAX_RESPONSE_HEAD_BYTES bytes at most), see `ResponseHeadSent`. */
export function parseResponseHead(bytes: Buffer): ResponseHeadSent {
  const end = bytes.indexOf('\r\n\r\n');
  const complete = end >= 0;
  const head = bytes.subarray(0, complete ? end : bytes.length).toString('latin1');
  const [statusLine = '', ...lines] = head.split(/\r?\n/);
  const fields = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const sent: ResponseHeadSent = {
    statusLine,
    headers: fields.slice(0, MAX_RESPONSE_HEAD_FIELDS),
    headBytes: complete ? end + 4 : bytes.length,
  };
  if (fields.length > MAX_RESPONSE_HEAD_FIELDS) sent.headersOmitted = fields.length - MAX_RESPONSE_HEAD_FIELDS;
  if (!complete) sent.clipped = true;
  return sent;
}
