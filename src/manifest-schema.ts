import { readFileSync } from 'node:fs';
import { farmError } from './errors.js';
import type { Manifest } from './manifest.js';
import { schemaChecks } from './schema-checks.js';

/**
 * Checks data against schema/manifest.schema.json (which takes `expect` from schema/scenario.schema.json).
 * @throws FarmError BAD_MANIFEST naming `what` (a file name, say) and every schema error.
 */
export function assertManifest(data: unknown, what = 'manifest'): asserts data is Manifest {
  const validator = schemaChecks().manifest;
  if (!validator(data)) {
    const errors = (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw farmError('BAD_MANIFEST', `${what} is not a badorigin manifest`, errors);
  }
}

/**
 * Reads and validates a manifest file.
 * @throws FarmError BAD_MANIFEST when the file is unreadable, not JSON, or not a manifest.
 */
export function readManifestFile(file: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw farmError('BAD_MANIFEST', `cannot read manifest ${file}`, (error as Error).message);
  }
  assertManifest(data, file);
  return data;
}
