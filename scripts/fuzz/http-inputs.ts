import { deliver, type FuzzInput } from './input.js';
import type { Rng } from './random.js';

// Malformed HTTP/1.1 requests for the HTTP listeners (RFC 9112): a valid request taken apart — request line, header
// lines, framing (Content-Length, Transfer-Encoding), line endings — plus pipelining, random bytes, and requests
// that stop early. Each is one connection's bytes, cut into TCP writes by deliver().

const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PATCH',
  'PRI',
  'get',
  'G\u0000T',
  'GETT',
  '',
  'X'.repeat(300),
];
const TARGETS = [
  '/',
  '/status/503',
  '/?delay_ms=1',
  '*',
  'http://localhost/',
  'localhost:443',
  '//',
  '/%00',
  '/a b',
  '/\u00ff\u00fe',
  '/..%2f..%2fetc/passwd',
  `/${'a'.repeat(9000)}`,
  '',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1.10', 'HTTP/9.9', 'HTTP/1', 'HTTP/', ''];

function validRequest(rng: Rng, body = ''): string {
  const method = body ? 'POST' : rng.pick(['GET', 'GET', 'HEAD', 'OPTIONS']);
  const path = rng.pick(['/', '/', '/status/503', '/x?y=z']);
  return `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: badorigin-fuzz\r\n${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;
}

const HEADER_GARBAGE: ((rng: Rng) => string)[] = [
  () => 'No colon here',
  () => ' Folded: continuation',
  () => 'Bad Name: x',
  () => ': empty-name',
  () => 'X-Nul: a\u0000b',
  () => 'X-Ctl: \u0001\u0002\u007f',
  () => 'Host: a\r\nHost: b',
  (rng) => `X-Long: ${'v'.repeat(rng.pick([8000, 9000, 40_000, 200_000]))}`,
  (rng) => Array.from({ length: rng.pick([99, 100, 101, 500]) }, (_, i) => `X-H${i}: ${i}`).join('\r\n'),
  (rng) => `${'N'.repeat(rng.pick([1000, 9000]))}: v`,
  () => 'X-Utf8: \u00e9\u00e8',
  () => 'Expect: 100-continue',
  () => 'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
  () => 'Connection: close',
];

const FRAMING: ((rng: Rng) => string)[] = [
  () => 'Content-Length: -1\r\n\r\n',
  () => 'Content-Length: abc\r\n\r\n',
  () => 'Content-Length: 18446744073709551616\r\n\r\n',
  () => 'Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
  () => 'Content-Length: 5, 5\r\n\r\nhello',
  () => 'Content-Length:  10 \r\n\r\nshort',
  (rng) => `Content-Length: ${rng.pick([100, 1_000_000, 2 ** 31])}\r\n\r\n${'b'.repeat(rng.int(200))}`,
  () => 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  () => 'Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  () => 'Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n',
  () => 'Transfer-Encoding: chunked\r\n\r\n5;ext=\u0000\r\nhello\r\n',
  () => 'Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
  () => 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
  () => 'Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
  () => 'Transfer-Encoding: chunked, identity\r\n\r\n',
  () => 'Transfer-Encoding: xchunked\r\n\r\n',
  () => 'Transfer-Encoding:\tchunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
];

/**
 * HTTP input number `rng`'s stream yields: request-line garbage, header garbage, bad framing, line-ending tricks,
 * oversized lines, pipelined requests, random bytes, TLS or HTTP/2 bytes on an HTTP port, or a valid request that is
 * cut short; cut into writes (sometimes many small ones, a bounded slowloris) and ended by FIN, RST or nothing.
 */
export function httpInput(rng: Rng): FuzzInput {
  const kind = rng.weighted([14, 16, 14, 8, 6, 10, 8, 6, 6, 8, 4]);
  let text: string | Buffer;
  let name: string;
  switch (kind) {
    case 0:
      name = 'request-line';
      text = `${rng.pick(METHODS)}${rng.pick([' ', '  ', '\t', ''])}${rng.pick(TARGETS)}${rng.pick([' ', ''])}${rng.pick(VERSIONS)}\r\nHost: localhost\r\n\r\n`;
      break;
    case 1: {
      name = 'header';
      const lines = Array.from({ length: rng.range(1, 3) }, () => rng.pick(HEADER_GARBAGE)(rng));
      text = `GET / HTTP/1.1\r\nHost: localhost\r\n${lines.join('\r\n')}\r\n\r\n`;
      break;
    }
    case 2:
      name = 'framing';
      text = `POST / HTTP/1.1\r\nHost: localhost\r\n${rng.pick(FRAMING)(rng)}`;
      break;
    case 3: {
      name = 'line-endings';
      const base = validRequest(rng);
      text = rng.pick([
        base.replaceAll('\r\n', '\n'),
        base.replaceAll('\r\n', '\r'),
        base.replace('\r\n', '\n'),
        base.replaceAll('\r\n', '\n\r'),
        `\r\n\r\n${base}`,
        base.replace('\r\n\r\n', '\r\n \r\n'),
      ]);
      break;
    }
    case 4:
      name = 'nul';
      text = validRequest(rng)
        .split('')
        .map((c) => (rng.chance(0.05) ? '\u0000' : c))
        .join('');
      break;
    case 5: {
      name = 'pipelined';
      const requests = Array.from({ length: rng.range(2, 20) }, () =>
        rng.chance(0.8) ? validRequest(rng, rng.chance(0.2) ? 'body=1' : '') : `GARBAGE ${rng.int(1e6)}\r\n\r\n`,
      );
      text = requests.join('');
      break;
    }
    case 6:
      name = 'random';
      text = rng.bytes(rng.pick([1, 16, rng.int(512), rng.int(9000)]));
      break;
    case 7:
      name = 'other-protocol';
      text = rng.pick([
        'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
        Buffer.from('160301020001000200', 'hex'),
        Buffer.from('0500010000', 'hex'),
        'SSH-2.0-OpenSSH_9.2\r\n',
        '\u0000\u0000\u0000\u0000',
      ]);
      break;
    case 8: {
      name = 'early-close';
      const full = validRequest(rng, rng.chance(0.3) ? 'x'.repeat(500) : '');
      text = full.slice(0, rng.int(full.length));
      break;
    }
    case 9: {
      name = 'mutated';
      const bytes = Buffer.from(validRequest(rng, rng.chance(0.3) ? 'a=b' : ''), 'latin1');
      for (let i = rng.range(1, 6); i > 0; i--)
        bytes[rng.int(bytes.length)] = rng.chance(0.5) ? rng.int(256) : rng.pick([0, 10, 13, 32, 58]);
      text = bytes;
      break;
    }
    default:
      name = 'valid';
      text = validRequest(rng);
  }
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const slow = rng.chance(0.04);
  return deliver(bytes, rng, name, slow ? { maxPieces: 12, maxGapMs: 25, splitChance: 1 } : {});
}
