import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The built-in scenario files, parsed and checked ahead: the build (scripts/build.ts) writes this file beside the
 * bundle, as a JSON object from the SHA-256 (hex) of a file's text to the JSON text of the document it parses to,
 * for the files that pass every check of `checkScenario`. Reading JSON costs a fraction of parsing ~100 YAML
 * documents and checking them at every start.
 */
export const PARSED_SCENARIOS_FILE = 'parsed-scenarios.json';

/** The SHA-256 of a scenario file's text, hex: the key of its document in `PARSED_SCENARIOS_FILE`. */
export function scenarioTextKey(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let parsed: ReadonlyMap<string, unknown> | undefined;

/**
 * The scenario document `text` parses to, when the build parsed and checked the same text (same hash); undefined
 * otherwise: from source (no such file beside this module), or for a file added or edited since the build, which is
 * then parsed and checked at start. `ScenarioDocument` is the type of a document that passed those checks.
 */
export function parsedAhead<ScenarioDocument>(text: string): ScenarioDocument | undefined {
  if (!parsed) {
    let documents: Record<string, unknown> = {};
    try {
      documents = JSON.parse(readFileSync(new URL(PARSED_SCENARIOS_FILE, import.meta.url), 'utf8'));
    } catch {
      // No file (a run from source) or an unreadable one: every file is parsed.
    }
    parsed = new Map(Object.entries(documents));
  }
  const json = parsed.get(scenarioTextKey(text));
  // Parsed here, per call: each parse of a text gives a document of its own, as the YAML parser does.
  if (typeof json !== 'string') return undefined;
  // The build wrote only documents that passed the scenario checks, and this text hashes to one of them.
  const document: ScenarioDocument = JSON.parse(json);
  return document;
}
