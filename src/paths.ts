import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file shipped with the package (scenarios/, schema/), from src/ or dist/ alike. */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/**
 * Where certificates live unless `--certs-dir` says otherwise: `certs/` of a source checkout (so the README's
 * `curl --cacert certs/root-ca.pem` works from the repository), and for an installed package (`npx badorigin`), a
 * user directory: `$XDG_DATA_HOME/badorigin/certs`, by default `~/.local/share/badorigin/certs`.
 */
export function defaultCertsDir(): string {
  if (existsSync(packagePath('.git'))) return packagePath('certs');
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'badorigin', 'certs');
}
