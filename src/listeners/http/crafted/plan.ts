import { FILL_BLOCK_BYTES } from '../filler.js';
import { MAX_BODY_BYTES, MAX_CHUNKS, MAX_HEADER_BYTES } from '../params.js';
import { responseHead } from '../response.js';
import type { Directive, TextOrSize } from './grammar.js';

/** A run of response bytes: `bytes` written `times` times, or `fill` filler bytes (`chunked`: framed as chunks), `times` times. */
export type Piece = { bytes: Buffer; times: number } | { fill: number; chunked: boolean; times: number };

/** What happens once `at` response bytes (head included) have been written. */
export type Step = { at: number } & ({ kind: 'pause'; ms: number } | { kind: 'hold' } | { kind: 'close' } | { kind: 'reset' });

/** A crafted response, checked against the caps: its pieces in wire order, and its steps in offset order. */
export interface Plan {
  pieces: Piece[];
  steps: Step[];
  /** Bytes of the head (0 with `nohead`) and of the body, as planned. */
  headBytes: number;
  bodyBytes: number;
}

/** Bytes on the wire of `n` filler bytes framed as chunks of at most FILL_BLOCK_BYTES (as `writeFill` frames them). */
export function chunkedBytes(n: number): number {
  const frame = (m: number) => m.toString(16).length + 2 + m + 2;
  const whole = Math.floor(n / FILL_BLOCK_BYTES);
  const rest = n % FILL_BLOCK_BYTES;
  return n === 0 ? 5 : whole * frame(FILL_BLOCK_BYTES) + (rest ? frame(rest) : 0);
}

/** Bytes on the wire of one piece, all its repetitions included. */
export function pieceBytes(piece: Piece): number {
  if ('bytes' in piece) return piece.bytes.length * piece.times;
  return (piece.chunked ? chunkedBytes(piece.fill) : piece.fill) * piece.times;
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

/** One chunk of `what` (RFC 9112 §7.1): a text framed as one chunk, or a filler size (0: the last chunk). */
function chunkPiece(what: TextOrSize, times: number): Piece {
  if (typeof what === 'number') return what === 0 ? { bytes: latin1('0\r\n\r\n'), times } : { fill: what, chunked: true, times };
  return { bytes: latin1(`${what.length.toString(16)}\r\n${what}\r\n`), times };
}

/** An error found in one directive: `column <n>: <why>`. */
class SpecError extends Error {}
function fail(directive: Directive, why: string): never {
  throw new SpecError(`column ${directive.column}: ${why}`);
}

/** A directive's `*<n>`, from 1 to MAX_CHUNKS (the chunk-count cap bounds every repetition). */
function repetitions(d: Directive, times: number | null): number {
  if (times === null) return 1;
  if (!(times >= 1 && times <= MAX_CHUNKS)) fail(d, `a repetition must be from 1 to the farm's cap of ${MAX_CHUNKS}`);
  return times;
}

/** The body pieces of the spec and their bytes, the chunk count and the body cap checked. */
function bodyPieces(directives: Directive[]): { pieces: Piece[]; bytes: number } {
  const pieces: Piece[] = [];
  let bytes = 0;
  let chunks = 0;
  for (const d of directives) {
    if (d.kind !== 'body' && d.kind !== 'chunk') continue;
    const times = repetitions(d, d.times);
    if (typeof d.what === 'number' && !Number.isSafeInteger(d.what)) fail(d, `over the farm's cap of ${MAX_BODY_BYTES} body bytes`);
    chunks += d.kind === 'chunk' ? times : 0;
    if (chunks > MAX_CHUNKS) fail(d, `more than the farm's cap of ${MAX_CHUNKS} chunks`);
    const piece =
      d.kind === 'chunk'
        ? chunkPiece(d.what, times)
        : typeof d.what === 'number'
          ? { fill: d.what, chunked: false, times }
          : { bytes: latin1(d.what), times };
    bytes += pieceBytes(piece);
    if (!(bytes <= MAX_BODY_BYTES)) fail(d, `the body passes the farm's cap of ${MAX_BODY_BYTES} bytes`);
    pieces.push(piece);
  }
  return { pieces, bytes };
}

/** The status line: `s<code>(<reason>)` or `l(<line>)`, default `HTTP/1.1 200 OK`. */
function statusLine(directives: Directive[]): Buffer {
  const found = directives.filter((d) => d.kind === 'status' || d.kind === 'status-line');
  if (found.length > 1) fail(found[1]!, 'a second status line');
  const d = found[0];
  if (d?.kind === 'status-line') return latin1(`${d.line}\r\n`);
  const head = responseHead(d?.kind === 'status' ? d.code : 200, [], d?.kind === 'status' && d.reason !== null ? d.reason : undefined);
  return head.subarray(0, head.length - 2);
}

/** The head's pieces in spec order (status line, fields, the empty line), the head cap checked. */
function headPieces(directives: Directive[], bodyBytes: number): { pieces: Piece[]; bytes: number } {
  const line = statusLine(directives);
  const pieces: Piece[] = [{ bytes: line, times: 1 }];
  let bytes = line.length + 2;
  for (const d of directives) {
    let piece: Piece | undefined;
    if (d.kind === 'header') {
      const colon = d.field.indexOf(':');
      if (colon < 1) fail(d, 'h(...) takes name:value (hr(...) writes a line as is)');
      piece = { bytes: latin1(`${d.field.slice(0, colon)}: ${d.field.slice(colon + 1)}\r\n`), times: repetitions(d, d.times) };
    } else if (d.kind === 'raw-header') piece = { bytes: latin1(`${d.line}\r\n`), times: repetitions(d, d.times) };
    else if (d.kind === 'content-length') {
      if (d.bytes !== null && !(d.bytes <= MAX_BODY_BYTES)) fail(d, `over the farm's cap of ${MAX_BODY_BYTES} body bytes`);
      piece = { bytes: latin1(`Content-Length: ${d.bytes ?? bodyBytes}\r\n`), times: 1 };
    }
    if (!piece) continue;
    bytes += pieceBytes(piece);
    if (bytes > MAX_HEADER_BYTES) fail(d, `the head passes the farm's cap of ${MAX_HEADER_BYTES} bytes`);
    pieces.push(piece);
  }
  return { pieces: [...pieces, { bytes: latin1('\r\n'), times: 1 }], bytes };
}

const TERMINAL = new Set(['hold', 'close', 'reset']);

/** The offset of `at` body bytes, checked against the body's length. */
function bodyOffset(d: Directive, at: number | null, headBytes: number, bodyBytes: number): number {
  if (at === null) return headBytes + bodyBytes;
  if (!(at <= bodyBytes)) fail(d, `offset ${at} is past the end of the ${bodyBytes}-byte body`);
  return headBytes + at;
}

/** The steps in offset order (a close, reset or hold after the pauses at its offset), the hold cap checked. */
function steps(directives: Directive[], headBytes: number, bodyBytes: number, maxHoldMs: number): Step[] {
  const found: { step: Step; d: Directive }[] = [];
  let pausedMs = 0;
  for (const d of directives) {
    let step: Step | undefined;
    if (d.kind === 'delay') step = { at: 0, kind: 'pause', ms: d.ms };
    else if (d.kind === 'pause') {
      const at = bodyOffset(d, d.at, headBytes, bodyBytes);
      step = d.ms === 'hold' ? { at, kind: 'hold' } : { at, kind: 'pause', ms: d.ms };
    } else if (d.kind === 'close' || d.kind === 'reset') step = { at: bodyOffset(d, d.at, headBytes, bodyBytes), kind: d.kind };
    if (!step) continue;
    if (step.kind === 'pause') pausedMs += step.ms;
    if (!(pausedMs <= maxHoldMs)) fail(d, `pauses of more than the farm's max hold of ${maxHoldMs} ms in all (--max-hold-ms)`);
    found.push({ step, d });
  }
  const ends = found.filter((f) => TERMINAL.has(f.step.kind));
  if (ends.length > 1) fail(ends[1]!.d, `a second end (c, r or p<offset>:hold) after the one at column ${ends[0]!.d.column}`);
  const end = ends[0]?.step;
  const late = found.find((f) => end && f.step.at > end.at);
  if (late) fail(late.d, `after the end at column ${ends[0]!.d.column}, which nothing follows`);
  const rank = (s: Step) => s.at * 2 + (TERMINAL.has(s.kind) ? 1 : 0);
  return found.map((f) => f.step).sort((a, b) => rank(a) - rank(b));
}

/**
 * Checks a parsed spec and turns it into a plan: the head (status line `s`/`l`, default `HTTP/1.1 200 OK`; fields
 * `h`, `hr`, `cl` in spec order; no field is added), unless `nohead`; the body (`b`, `k`) in spec order; the steps
 * (`d`, `p`, `c`, `r`) at their offsets, counted in body bytes. Caps: a head of MAX_HEADER_BYTES, a body of
 * MAX_BODY_BYTES, MAX_CHUNKS chunks (`k` directives × repetitions), pauses of `maxHoldMs` in all.
 * @returns the plan, or an error text `column <n>: <why>` naming the cap or the rule broken.
 */
export function planResponse(directives: Directive[], maxHoldMs: number): Plan | { error: string } {
  try {
    const body = bodyPieces(directives);
    const noHead = directives.find((d) => d.kind === 'no-head');
    const headless = noHead && directives.find((d) => ['status', 'status-line', 'header', 'raw-header', 'content-length'].includes(d.kind));
    if (headless) fail(headless, `nohead (column ${noHead!.column}) leaves no head for this`);
    const head = noHead ? { pieces: [], bytes: 0 } : headPieces(directives, body.bytes);
    return {
      pieces: [...head.pieces, ...body.pieces],
      steps: steps(directives, head.bytes, body.bytes, maxHoldMs),
      headBytes: head.bytes,
      bodyBytes: body.bytes,
    };
  } catch (error) {
    if (error instanceof SpecError) return { error: error.message };
    throw error;
  }
}
