import type { FarmSettings } from '../farm.js';
import { Pki } from '../pki/index.js';

/**
 * For the commands that only read the certs directory (`manifest`, `probe`, `config`): prints one warning line on
 * standard error when the farm root CA there is missing or does not fit these settings (another hostname or bind
 * address), since the CA files the manifest names would then not verify these listeners. Never writes anything.
 */
export async function warnIfCertsDiffer(settings: Pick<FarmSettings, 'certsDir' | 'hostnames' | 'ips'>): Promise<void> {
  const problem = await Pki.inspect({ certsDir: settings.certsDir, hostnames: settings.hostnames, ips: settings.ips });
  if (problem) process.stderr.write(`badorigin: warning: ${problem}\n`);
}
