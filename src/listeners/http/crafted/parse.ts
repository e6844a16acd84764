import type { Parser } from 'peggy';
import { CRAFTED_GRAMMAR, CRAFTED_GRAMMAR_HELPERS, type Directive } from './grammar.js';

let parser: Promise<Parser> | undefined;

/** The spec parser, generated from CRAFTED_GRAMMAR by peggy on first use (peggy is loaded then, not at start-up). */
function specParser(): Promise<Parser> {
  parser ??= import('peggy').then((peggy) => peggy.default.generate(CRAFTED_GRAMMAR_HELPERS + CRAFTED_GRAMMAR));
  return parser;
}

/** Keeps a message on one line of visible ASCII (peggy quotes what it found, which may be any character). */
export const oneLine = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

/**
 * Parses a crafted fault spec (CRAFTED_GRAMMAR) into its directives, in spec order. Columns count characters of the
 * spec from 1, as one line (a percent-decoded line break does not start a new line).
 * @returns the directives, or an error text `column <n>: Expected … but … found.` in one line.
 * @throws Error only when the grammar itself does not compile (a bug, not bad input).
 */
export async function parseSpec(spec: string): Promise<{ directives: Directive[] } | { error: string }> {
  const compiled = await specParser();
  try {
    const directives: Directive[] = compiled.parse(spec);
    return { directives };
  } catch (error) {
    if (!(error instanceof compiled.SyntaxError)) throw error;
    return { error: `column ${error.location.start.offset + 1}: ${oneLine(error.message)}` };
  }
}
