// The latest `badorigin verify` report, when the control API serves one (GET /verify/latest; absent: 404).
import { getJson } from './api.js';

/** The latest verify report (schema/verify-report.schema.json), or null when the farm keeps none or cannot answer. */
export async function latestVerifyReport() {
  try {
    return await getJson('verify/latest');
  } catch {
    return null;
  }
}

/**
 * Listener id → 'matched' | 'mismatched' from `report.listeners[].verdict.result` of a verify report ('unjudged'
 * entries are left out); an empty map for no report.
 */
export function verifyVerdicts(report) {
  const verdicts = new Map();
  for (const entry of Array.isArray(report?.listeners) ? report.listeners : []) {
    if (!entry || typeof entry.id !== 'string') continue;
    const result = entry.verdict?.result;
    if (result === 'match') verdicts.set(entry.id, 'matched');
    else if (result === 'mismatch') verdicts.set(entry.id, 'mismatched');
  }
  return verdicts;
}
