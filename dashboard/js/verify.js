// The latest `badorigin verify` report, when the control API serves one (GET /verify/latest; absent: 404).
import { getJson } from './api.js';

/**
 * Listener id → 'matched' | 'mismatched' from the latest verify report, or an empty map when there is none (or the
 * farm has no such route). Reads `report.listeners[]` entries with `id` and either `verdict`
 * ('match'/'matched'/'mismatch'/'mismatched') or a boolean `ok`/`matches`; entries without a verdict are left out.
 */
export async function verifyVerdicts() {
  let report = null;
  try {
    report = await getJson('verify/latest');
  } catch {
    return new Map();
  }
  const verdicts = new Map();
  for (const entry of Array.isArray(report?.listeners) ? report.listeners : []) {
    if (!entry || typeof entry.id !== 'string') continue;
    const verdict =
      typeof entry.verdict === 'string'
        ? entry.verdict
        : typeof entry.ok === 'boolean'
          ? entry.ok
            ? 'match'
            : 'mismatch'
          : typeof entry.matches === 'boolean'
            ? entry.matches
              ? 'match'
              : 'mismatch'
            : null;
    if (verdict === 'match' || verdict === 'matched') verdicts.set(entry.id, 'matched');
    else if (verdict === 'mismatch' || verdict === 'mismatched') verdicts.set(entry.id, 'mismatched');
  }
  return verdicts;
}
