import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { startControl, startFarm, type Farm, type FarmOptions } from '../../src/farm.js';
import type { ManifestListener } from '../../src/manifest.js';
import { generateKey } from '../../src/pki/keys.js';
import { emptyIndex } from '../../src/pki/store.js';

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(prefix = 'badorigin-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The RSA-8192 leaf key (cert-rsa-8192's) that every `certsDir()` starts with. Generating one takes seconds to a
 * minute, so the suite makes it once per machine, in the system temp dir, instead of once per farm; every other key
 * and certificate is still generated fresh in each directory.
 */
const SEED_KEY = join(tmpdir(), 'badorigin-test-seed', 'leaf-rsa-8192.key');
if (!existsSync(SEED_KEY)) {
  mkdirSync(dirname(SEED_KEY), { recursive: true });
  const partial = `${SEED_KEY}.${process.pid}`;
  writeFileSync(partial, (await generateKey('rsa-8192')).privateKeyPem, { mode: 0o600 });
  renameSync(partial, SEED_KEY);
}

/**
 * A fresh temporary certs directory holding only an empty index and the seeded RSA-8192 key (see `SEED_KEY`), and its
 * remover. The index marks it as the farm's own (a directory with files and no index is refused as foreign).
 */
export function certsDir(): { dir: string; remove: () => void } {
  const certs = tempDir();
  seedCertsDir(certs.dir);
  return certs;
}

/** Makes `dir` (and its parents) a certs directory holding only an empty index and the seeded RSA-8192 key. */
export function seedCertsDir(dir: string): void {
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'farm.json'), JSON.stringify(emptyIndex()));
  writeFileSync(join(dir, 'keys', 'leaf-rsa-8192.key'), readFileSync(SEED_KEY), { mode: 0o600 });
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
  const certs = certsDir();
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
