import { createRequire } from 'node:module';
import { runInThisContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { Parser } from 'peggy';
import { CRAFTED_GRAMMAR, CRAFTED_GRAMMAR_HELPERS, type Directive } from './grammar.js';

/**
 * Runs in a worker thread: loads peggy and generates the parser's source (peggy's `bare` format, an expression whose
 * value is the parser). Loading and generating take a few hundred ms of CPU, which on the farm's own thread would
 * hold every listener; the worker keeps them off it, and exits once it has answered.
 */
const GENERATOR = `
const { parentPort, workerData } = require('node:worker_threads');
const peggy = require(workerData.peggy);
parentPort.postMessage(peggy.generate(workerData.grammar, { output: 'source', format: 'bare' }));
`;

let parser: Promise<Parser> | undefined;

function generate(): Promise<Parser> {
  return new Promise((resolve, reject) => {
    const peggy = createRequire(import.meta.url).resolve('peggy');
    const worker = new Worker(GENERATOR, { eval: true, workerData: { peggy, grammar: CRAFTED_GRAMMAR_HELPERS + CRAFTED_GRAMMAR } });
    worker.once('message', (source: string) => {
      // The same evaluation peggy's own generate() makes of the code it generates, minus the generating.
      const compiled: Parser = runInThisContext(source, { filename: 'crafted-spec-parser.js' });
      resolve(compiled);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the crafted spec parser generator exited with ${code} before answering`)));
  });
}

/**
 * The spec parser, generated from CRAFTED_GRAMMAR by peggy on first use, in a worker thread (peggy is never loaded at
 * start-up, nor on the farm's thread). A failed generation is tried again on the next use.
 */
function specParser(): Promise<Parser> {
  parser ??= generate().catch((error: Error) => {
    parser = undefined;
    throw error;
  });
  return parser;
}

/** Keeps a message on one line of visible ASCII (peggy quotes what it found, which may be any character). */
export const oneLine = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

/**
 * Parses a crafted fault spec (CRAFTED_GRAMMAR) into its directives, in spec order. Columns count characters of the
 * spec from 1, as one line (a percent-decoded line break does not start a new line).
 * @returns the directives, or an error text `column <n>: Expected … but … found.` in one line.
 * @throws Error only when the parser cannot be generated (a bug or a starved machine, not bad input).
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
