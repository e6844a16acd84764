/** Library entry: start a farm in-process (tests, fixtures) and read its manifest. */
export { startFarm, startControl, plannedManifest, resolveSettings, type Farm, type FarmOptions, type FarmSettings } from './farm.js';
export type { Manifest, ManifestListener, ManifestConnect } from './manifest.js';
export { assertManifest, readManifestFile } from './manifest-schema.js';
export { probe, type ProbeResult } from './probe.js';
export { generateConfig, CONFIG_TARGETS, type ConfigTarget, type ConfigOptions } from './config/index.js';
export { FarmError } from './errors.js';
export { cdnOutcome, CDN_COLUMNS, type CdnKey, type CdnOutcome } from './cdn/expectation.js';
export type { ListenerEvent } from './listeners/index.js';
export { verify, type VerifyOptions, type VerifyProgress } from './verify/run.js';
export type { VerifyReport, ListenerReport } from './verify/report-schema.js';
export { VERIFY_REPORT_FORMAT } from './verify/report-schema.js';
export { renderJunit } from './verify/format/junit.js';
export { renderMarkdown } from './verify/format/markdown.js';
export { renderTable as renderVerifyTable } from './verify/format/table.js';
export {
  Attempt as AttemptSchema,
  type Attempt,
  type RequestRecord,
  type DnsQueryRecord,
  type ClientHelloRecord,
} from './ledger/attempt.js';
export type { AttemptQuery } from './ledger/ledger.js';
