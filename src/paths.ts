import { fileURLToPath } from 'node:url';

/** Absolute path of a file shipped with the package (scenarios/, schema/), from src/ or dist/ alike. */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}
