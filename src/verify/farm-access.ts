import { loadCatalogue, type Scenario } from '../catalogue.js';
import { farmError } from '../errors.js';
import { startControl, startFarm, type Farm, type FarmOptions } from '../farm.js';
import type { Manifest } from '../manifest.js';
import { assertManifest } from '../manifest-schema.js';
import type { VerifyReport } from './report-schema.js';
import { controlAttemptSource, postReport, farmAttemptSource, type AttemptSource } from './ledger-source.js';

/** The farm `verify` observes: its manifest, its scenarios by id, its attempt ledger, and how to let go of it. */
export interface FarmAccess {
  manifest: Manifest;
  scenarios: Map<string, Scenario>;
  ledger: AttemptSource;
  /**
   * Hands the finished report to the farm as its latest (`GET /verify/latest`): in process, or by `POST
   * /verify/reports`; a farm `verify` started itself keeps none, since it closes. Resolves with why not, if it failed.
   */
  recordReport(report: VerifyReport): Promise<string | undefined>;
  /** Closes the farm when `verify` started it; nothing otherwise. */
  close(): Promise<void>;
}

/** Where the farm comes from: a farm object of this process, one to start, or a running farm's control API. */
export type FarmChoice = { farm: Farm } | { start: FarmOptions } | { controlUrl: string; token?: string };

const byId = (dir?: string) => new Map(loadCatalogue(dir).map((e) => [e.scenario.id, e.scenario]));

/** Longest the manifest request to a control API may take, in ms. */
const MANIFEST_REQUEST_MS = 5_000;

async function remoteManifest(controlUrl: string, token: string | undefined): Promise<Manifest> {
  const url = `${controlUrl.replace(/\/+$/, '')}/manifest.json`;
  let data: unknown;
  try {
    const response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(MANIFEST_REQUEST_MS),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    data = await response.json();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw farmError('FARM_UNREACHABLE', controlUrl, `GET /manifest.json: ${cause ?? (error as Error).message}`);
  }
  assertManifest(data, `${url}`);
  return data;
}

/**
 * Opens the farm `verify` observes. A started farm runs its control API too unless its options turn it off, and is
 * closed by `close()`. @throws FarmError as `startFarm`, FARM_UNREACHABLE for a control API that does not answer a
 * manifest, BAD_MANIFEST for one that is not a manifest.
 */
export async function openFarm(choice: FarmChoice): Promise<FarmAccess> {
  if ('farm' in choice) {
    return {
      manifest: choice.farm.manifest,
      scenarios: byId(choice.farm.settings.scenariosDir),
      ledger: farmAttemptSource(choice.farm),
      recordReport: async (report) => choice.farm.recordVerifyReport(report)?.message,
      close: async () => undefined,
    };
  }
  if ('start' in choice) {
    const farm = await startFarm(choice.start);
    try {
      if (farm.settings.controlPort !== null) await startControl(farm);
      return {
        manifest: farm.manifest,
        scenarios: byId(farm.settings.scenariosDir),
        ledger: farmAttemptSource(farm),
        recordReport: async () => undefined,
        close: () => farm.close(),
      };
    } catch (error) {
      await farm.close();
      throw error;
    }
  }
  const manifest = await remoteManifest(choice.controlUrl, choice.token);
  return {
    manifest,
    scenarios: byId(),
    ledger: controlAttemptSource(choice.controlUrl, choice.token),
    recordReport: (report) => postReport(choice.controlUrl, choice.token, report),
    close: async () => undefined,
  };
}
