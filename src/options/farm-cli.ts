import { readOptions } from './spec.js';
import { FARM_OPTIONS, type FarmOptions } from './table.js';

/** The library options of parsed farm flags (`--no-control` is `controlPort: null`). */
export function farmOptionsOf(argv: Readonly<Record<string, unknown>>): FarmOptions {
  const { control, controlPort, ...options } = readOptions(FARM_OPTIONS, argv);
  return { ...options, controlPort: control === false ? null : controlPort };
}
