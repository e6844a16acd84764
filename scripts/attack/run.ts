import { tempDir } from '../../test/helpers/farm.js';
import { bodies } from './bodies.js';
import { dns } from './dns.js';
import { fdBudget } from './fd-budget.js';
import { heldTls } from './held-tls.js';
import { replay } from './replay.js';
import type { RunnableSection, SectionResult } from './section.js';
import { subscribers } from './subscribers.js';

/** Every attack, in the order they run. */
export const SECTIONS: RunnableSection[] = [bodies, replay, subscribers, heldTls, fdBudget, dns];

/**
 * Runs the named sections (all when `only` is empty) one after the other, each against a farm process of its own
 * (the farms share one temporary certificates directory, so only the first generates certificates).
 * @param short the counts of the CI version instead of the full ones.
 * @throws Error naming an unknown section.
 */
export async function runAttack(options: {
  short: boolean;
  only?: string[];
  progress?: (result: SectionResult) => void;
}): Promise<SectionResult[]> {
  const unknown = (options.only ?? []).filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length) throw new Error(`no attack section ${unknown.join(', ')} (there are ${SECTIONS.map((s) => s.name).join(', ')})`);
  const chosen = options.only?.length ? SECTIONS.filter((s) => options.only!.includes(s.name)) : SECTIONS;
  const certs = tempDir('badorigin-attack-certs-');
  const results: SectionResult[] = [];
  try {
    for (const section of chosen) {
      const result = await section.run({ short: options.short, certsDir: certs.dir });
      options.progress?.(result);
      results.push(result);
    }
  } finally {
    certs.remove();
  }
  return results;
}

/** One section's verdict, figures and failures, as `npm run attack` prints them. */
export function formatSection(r: SectionResult): string {
  return [
    `${r.passed ? 'PASS' : 'FAIL'} ${r.name}: ${r.title} (${(r.durationMs / 1000).toFixed(1)} s)`,
    ...r.figures.map((f) => `     ${f}`),
    ...r.failures.map((f) => `  ✗  ${f}`),
  ].join('\n');
}
