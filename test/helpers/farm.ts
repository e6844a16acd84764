import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startFarm, type Farm, type FarmOptions } from '../../src/farm.js';
import type { ManifestListener } from '../../src/manifest.js';

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(prefix = 'badorigin-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts a farm for the enclosing `describe` (ephemeral ports, a temporary certs directory) before its tests and
 * closes it, and removes the directory, after them. `fixture.farm` is the running farm (it exists once `before` ran).
 */
export function useFarm(options: FarmOptions): { readonly farm: Farm; listener(id: string): ManifestListener } {
  const certs = tempDir();
  let running: Farm | undefined;
  before(async () => {
    running = await startFarm({ basePort: 0, certsDir: certs.dir, ...options });
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
