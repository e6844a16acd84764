/**
 * The grammar of a crafted fault spec (the `crafted` listener; docs/crafted.md shows it, and a test keeps the two the
 * same), in peggy's notation (https://peggyjs.org/documentation.html). It is compiled to a parser on the first
 * crafted request, never at start-up (src/listeners/http/crafted/parse.ts). Each directive comes out as one
 * `Directive` with the 1-based column where it starts; bounds and combinations are checked afterwards
 * (src/listeners/http/crafted/plan.ts), so that a number over a cap is named with its column too.
 */
export const CRAFTED_GRAMMAR = String.raw`
Spec       = first:Directive rest:("," @Directive)*           { return [first, ...rest]; }

Directive  = Status / RawStatus / RawHeader / Header / ContentLength / Body / Chunk
           / Delay / Pause / Close / Reset / NoHead

Status        = "s" code:$([0-9] [0-9] [0-9]) reason:Text?      { return { kind: 'status', code: Number(code), reason, column: col() }; }
RawStatus     = "l" line:Text                                   { return { kind: 'status-line', line, column: col() }; }
RawHeader     = "hr" line:Text times:Times?                     { return { kind: 'raw-header', line, times, column: col() }; }
Header        = "h" field:Text times:Times?                     { return { kind: 'header', field, times, column: col() }; }
ContentLength = "cl" bytes:Size?                                { return { kind: 'content-length', bytes, column: col() }; }
Body          = "b" what:(Size / Text) times:Times?             { return { kind: 'body', what, times, column: col() }; }
Chunk         = "k" what:(Size / Text) times:Times?             { return { kind: 'chunk', what, times, column: col() }; }
Delay         = "d" ms:Duration                                 { return { kind: 'delay', ms, column: col() }; }
Pause         = "p" at:Size ":" ms:(Duration / "hold")          { return { kind: 'pause', at, ms, column: col() }; }
Close         = "c" at:Size?                                    { return { kind: 'close', at, column: col() }; }
Reset         = "r" at:Size?                                    { return { kind: 'reset', at, column: col() }; }
NoHead        = "nohead"                                        { return { kind: 'no-head', column: col() }; }

Size     "size"     = digits:$[0-9]+ unit:[kKmMgGtT]?          { return size(digits, unit); }
Duration "duration" = digits:$[0-9]+ unit:("ms" / "s" / "m")?  { return duration(digits, unit); }
Times    "repetition" = "*" digits:$[0-9]+                     { return Number(digits); }

Text     = "(" chars:Char* ")"                                  { return chars.join(''); }
Char "character or escape" = [^)\\] / "\\" @Escape
Escape   = "x" hex:$([0-9a-fA-F] [0-9a-fA-F])                  { return String.fromCharCode(parseInt(hex, 16)); }
         / "r" { return '\r'; } / "n" { return '\n'; } / "t" { return '\t'; }
         / [\\()]
`;

/** The code every action above calls (peggy's global initializer). */
export const CRAFTED_GRAMMAR_HELPERS = `{{
  const UNITS = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
  function size(digits, unit) { return Number(digits) * (unit ? UNITS[unit.toLowerCase()] : 1); }
  function duration(digits, unit) { return Number(digits) * (unit === 's' ? 1000 : unit === 'm' ? 60000 : 1); }
}}
{ const col = () => location().start.offset + 1; }
`;

/** A literal text or a size in bytes (`b`, `k`): a string is written as is (latin1), a number is that many filler bytes. */
export type TextOrSize = string | number;

/** One directive of a spec, as the parser yields it; `column` is where it starts (1-based). */
export type Directive = { column: number } & (
  | { kind: 'status'; code: number; reason: string | null }
  | { kind: 'status-line'; line: string }
  | { kind: 'raw-header'; line: string; times: number | null }
  | { kind: 'header'; field: string; times: number | null }
  | { kind: 'content-length'; bytes: number | null }
  | { kind: 'body'; what: TextOrSize; times: number | null }
  | { kind: 'chunk'; what: TextOrSize; times: number | null }
  | { kind: 'delay'; ms: number }
  | { kind: 'pause'; at: number; ms: number | 'hold' }
  | { kind: 'close'; at: number | null }
  | { kind: 'reset'; at: number | null }
  | { kind: 'no-head' }
);
