import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CatalogueEntry } from './catalogue.js';
import { farmError } from './errors.js';
import { hostPort } from './address.js';
import { CONTROLS } from './listeners/control.js';
import { revocationResponderMechanism } from './listeners/revocation-responder.js';
import { plannedPort } from './plan.js';
import { VALID_LEAF } from './pki/leaf-spec.js';
import { Pki, type LeafSpec, type ServedChain } from './pki/index.js';
import type { FarmSettings } from './settings.js';

/** The certificates a farm serves: its PKI (every leaf issued) and the user's own chain, if given. */
export interface PreparedCertificates {
  pki: Pki;
  /** `--tls-cert`/`--tls-key`, served wherever a scenario needs a valid leaf; null without them. */
  userCertificate: ServedChain | null;
}

/** @throws FarmError BAD_TLS_CERT when the files are unreadable, not PEM, or the key does not match the certificate. */
function loadUserCertificate(settings: FarmSettings): ServedChain | null {
  if (!settings.tlsCert || !settings.tlsKey) return null;
  try {
    const chainPem = readFileSync(settings.tlsCert, 'utf8');
    const privateKeyPem = readFileSync(settings.tlsKey, 'utf8');
    const leaf = new X509Certificate(chainPem);
    if (!leaf.checkPrivateKey(createPrivateKey(privateKeyPem))) throw new Error('the key does not match the certificate');
    return { chainPem, privateKeyPem, leaf };
  } catch (error) {
    throw farmError('BAD_TLS_CERT', settings.tlsCert, settings.tlsKey, (error as Error).message);
  }
}

/**
 * Every leaf the listeners of `entries` serve: their mechanism's, the valid leaf of `-tls` variants that terminate
 * TLS, and their behaviour's control's (src/listeners/control.ts).
 */
function leafSpecsOf(entries: CatalogueEntry[]): LeafSpec[] {
  return entries.flatMap(({ mechanism, scenario }) => {
    // A `-tls` variant that does not terminate TLS takes TLS clients raw, so its control is the TLS one.
    const controls = scenario.behaviour ? [CONTROLS[mechanism.transport], scenario.tls?.terminate === false ? CONTROLS.tls : null] : [];
    return [
      ...(mechanism.certificates?.leafSpecs(scenario.params) ?? []),
      ...(scenario.tls?.terminate !== false ? [VALID_LEAF] : []),
      ...controls.flatMap((control) => control?.mechanism.certificates?.leafSpecs(control.params) ?? []),
    ];
  });
}

/**
 * `http://host:port` of the revocation responder among `entries` (the primary hostname, base port + its offset), which
 * leaves with a `revocation` then name; null when none is selected or ports are ephemeral (unknown before binding).
 */
export function responderUrl(settings: FarmSettings, entries: CatalogueEntry[]): string | null {
  const responder = entries.find((entry) => entry.mechanism === revocationResponderMechanism);
  if (!responder || settings.basePort === 0) return null;
  return `http://${hostPort(settings.hostnames[0]!, plannedPort(settings, responder.scenario.offset))}`;
}

/**
 * Loads the user's certificate and opens the certs directory, issuing every leaf the selected scenarios serve (and
 * the valid leaf of the `-tls` variants that terminate TLS) before any listener starts.
 * @throws FarmError BAD_TLS_CERT, or the certs directory's errors (CERTS_*, see src/errors.ts).
 */
export async function prepareCertificates(settings: FarmSettings, entries: CatalogueEntry[]): Promise<PreparedCertificates> {
  const userCertificate = loadUserCertificate(settings);
  const pki = await Pki.open(
    { certsDir: settings.certsDir, hostnames: settings.hostnames, ips: settings.ips, responderUrl: responderUrl(settings, entries) },
    leafSpecsOf(entries),
  );
  return { pki, userCertificate };
}

/**
 * Issues (or takes from the certs directory) the leaves of scenarios added to a running farm, before their listeners start.
 * @throws FarmError the certs directory's errors (CERTS_*).
 */
export async function prepareAddedCertificates(certificates: PreparedCertificates, entries: CatalogueEntry[]): Promise<void> {
  await certificates.pki.add(leafSpecsOf(entries));
}
