import { resolve } from 'node:path';
import { clientAddress, hostPort } from './address.js';
import { listenerSelected, loadCatalogue, selectScenarios, type CatalogueEntry } from './catalogue.js';
import { farmError } from './errors.js';
import type { Transport } from './listeners/index.js';
import { CLIENT_TIMEOUT_S } from './client-commands.js';
import { buildManifest, type Manifest, type PlannedListener } from './manifest.js';
import type { FarmSettings } from './settings.js';

/** Loads the catalogue and selects the scenarios of these settings. */
export function plannedEntries(settings: FarmSettings): CatalogueEntry[] {
  return selectScenarios(loadCatalogue(settings.scenariosDir), settings.only, settings.skip);
}

/** Port of a scenario for these settings (0 when the base port is 0). */
export function plannedPort(settings: FarmSettings, offset: number): number {
  if (settings.basePort === 0) return 0;
  const port = settings.basePort + offset;
  if (port > 65535) throw farmError('BAD_OPTION', `--base-port ${settings.basePort}`, `+ offset ${offset} is past port 65535`);
  return port;
}

/** The CA file paths of a certs directory (they exist once a farm has started there). */
export function caFiles(settings: FarmSettings): { rootCaFile: string; intermediateCaFile: string } {
  return { rootCaFile: resolve(settings.certsDir, 'root-ca.pem'), intermediateCaFile: resolve(settings.certsDir, 'intermediate-ca.pem') };
}

/** Transport of a mechanism's listener once the farm terminates TLS in front of it. */
const OVER_TLS: Record<Transport, Transport> = { tcp: 'tls', http: 'https', tls: 'tls', https: 'https', dns: 'dns' };

/**
 * The listeners of these settings, with ports base + offset (0 for an ephemeral port): one per scenario, plus
 * `<id>-tls` at offset + 100 for a scenario with a `tls` section (the manifest's id rule: a variant is its scenario's id plus `-tls`).
 */
export function planListeners(settings: FarmSettings, entries: CatalogueEntry[]): PlannedListener[] {
  return entries
    .flatMap(({ scenario, mechanism }) => {
      const plain: PlannedListener = {
        id: scenario.id,
        scenario,
        transport: mechanism.transport,
        port: mechanism.transport === 'dns' && settings.dnsPort !== undefined ? settings.dnsPort : plannedPort(settings, scenario.offset),
        query: mechanism.dnsName?.query(scenario.params, settings),
        acceptEncoding: mechanism.clientRequest?.request(scenario.params, { readTimeoutS: CLIENT_TIMEOUT_S }).acceptEncoding,
        tlsVariant: false,
        terminateTls: false,
        usesUserCertificate: Boolean(settings.tlsCert) && (mechanism.certificates?.servesValidLeaf(scenario.params) ?? false),
        expect: scenario.expect,
        notes: scenario.notes,
      };
      if (!scenario.tls) return [plain];
      const notes = [...(scenario.notes ?? []), ...(scenario.tls.notes ?? [])];
      return [
        plain,
        {
          ...plain,
          id: `${scenario.id}-tls`,
          transport: OVER_TLS[mechanism.transport],
          port: plannedPort(settings, scenario.offset + 100),
          tlsVariant: true,
          terminateTls: scenario.tls.terminate !== false,
          usesUserCertificate: Boolean(settings.tlsCert) && scenario.tls.terminate !== false,
          expect: { ...scenario.expect, ...scenario.tls.expect },
          notes: notes.length ? notes : undefined,
        },
      ];
    })
    .filter((listener) => listenerSelected(listener.id, listener.scenario.id, settings.only, settings.skip));
}

/** The manifest a farm with these settings would have, without starting it (ports = base + offset). */
export function plannedManifest(settings: FarmSettings): Manifest {
  const manifest = buildManifest(
    { host: settings.host, hostnames: settings.hostnames, ...caFiles(settings) },
    planListeners(settings, plannedEntries(settings)),
  );
  if (settings.controlPort) {
    manifest.control = { url: `http://${hostPort(clientAddress(settings.controlHost), settings.controlPort)}` };
  }
  return manifest;
}
