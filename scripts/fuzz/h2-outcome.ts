import { ERROR_CODE, FRAME, FRAME_HEADER_BYTES, decodeFrameHeader } from '../../src/h2/frames.js';

const FRAME_NAMES = new Map<number, string>(Object.entries(FRAME).map(([name, type]) => [type, name.toLowerCase().replace('_', '-')]));
const ERROR_NAMES = new Map<number, string>(Object.entries(ERROR_CODE).map(([name, code]) => [code, name]));

/**
 * Names what an http2 listener sent back (RFC 9113 §4.1 frames): `h2-goaway-<ERROR>` (a GOAWAY, and its error code,
 * §6.8), `h2-rst-<ERROR>` (RST_STREAM, §6.4), `h2-headers` (a response began), `http-<status>` (an HTTP/1.1 answer,
 * as `alpn-h2-speaks-http1` gives), or, once the connection is over (`final`), `h2-<type>` of the last whole frame
 * seen (`h2-settings`: the server preface and nothing after it) or `data` (bytes that are not frames).
 * @returns null while nothing decisive has come and the connection may still say more.
 */
export function h2Outcome(data: Buffer, final: boolean): string | null {
  const http1 = /^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, 16).toString('latin1'));
  if (http1) return `http-${http1[1]}`;
  let last: string | null = null;
  for (let at = 0; ; ) {
    const header = decodeFrameHeader(data.subarray(at));
    if (!header || header.type > FRAME.CONTINUATION) break;
    const payload = data.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + header.length);
    if (header.type === FRAME.GOAWAY && payload.length >= 8) return `h2-goaway-${ERROR_NAMES.get(payload.readUInt32BE(4)) ?? 'unknown'}`;
    if (header.type === FRAME.RST_STREAM && payload.length >= 4) return `h2-rst-${ERROR_NAMES.get(payload.readUInt32BE(0)) ?? 'unknown'}`;
    if (header.type === FRAME.HEADERS) return 'h2-headers';
    if (payload.length < header.length) break;
    last = `h2-${FRAME_NAMES.get(header.type)}`;
    at += FRAME_HEADER_BYTES + header.length;
  }
  if (!final) return null;
  return last ?? (data.length ? 'data' : 'closed');
}
