import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startControl, startFarm, type Farm, type FarmOptions } from '../../src/farm.js';
import type { ManifestListener } from '../../src/manifest.js';

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(prefix = 'badorigin-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts a farm and, unless `controlPort: null`, its control API, as `badorigin serve` does; a control API that
 * cannot start closes the farm. `farm.close()` closes both.
 * @throws FarmError as `startFarm` and `startControl`.
 */
export async function startFarmWithControl(options: FarmOptions): Promise<Farm> {
  const farm = await startFarm(options);
  if (farm.settings.controlPort === null) return farm;
  try {
    await startControl(farm);
  } catch (error) {
    await farm.close();
    throw error;
  }
  return farm;
}

/**
 * Starts a farm (and its control API unless `controlPort: null`, see `startFarmWithControl`) for the enclosing `describe` (ephemeral ports, a temporary certs directory) before its tests and
 * closes it, and removes the directory, after them. `fixture.farm` is the running farm (it exists once `before` ran).
 */
export function useFarm(options: FarmOptions): { readonly farm: Farm; listener(id: string): ManifestListener } {
  const certs = tempDir();
  let running: Farm | undefined;
  before(async () => {
    running = await startFarmWithControl({ basePort: 0, certsDir: certs.dir, ...options });
  });
  after(async () => {
    await running?.close();
    certs.remove();
  });
  const fixture = {
    get farm(): Farm {
      if (!running) throw new Error('the farm starts in before()');
      return running;
    },
    listener(id: string): ManifestListener {
      const found = fixture.farm.manifest.listeners.find((l) => l.id === id);
      if (!found) throw new Error(`the farm runs no listener ${id}`);
      return found;
    },
  };
  return fixture;
}
