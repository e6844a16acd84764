import Table from 'cli-table3';
import type { VerifyReport } from '../report-schema.js';
import { attemptsSummary, clientSummary, failures, timeoutSummary, verdictSummary } from './summary.js';

/** Longest text of a table cell, in characters (a terminal row must stay readable). */
const CELL_CHARS = 80;

const clip = (text: string) => (text.length > CELL_CHARS ? `${text.slice(0, CELL_CHARS - 1)}…` : text);

/** The report as a terminal table (listener, client saw, origin attempts, applied timeout, verdict, failed checks) and a summary line. */
export function renderTable(report: VerifyReport): string {
  const table = new Table({
    head: ['listener', 'client saw', 'attempts', 'applied timeout', 'verdict', 'why'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const l of report.listeners) {
    const verdict = l.verdict.result === 'unjudged' ? 'unjudged' : verdictSummary(l);
    const why = l.verdict.result === 'unjudged' ? (l.verdict.reason ?? '') : failures(l).join('; ');
    table.push([l.id, clip(clientSummary(l)), clip(attemptsSummary(l.figures)), timeoutSummary(l.figures), verdict, clip(why)]);
  }
  const { summary } = report;
  return `${table.toString()}\n${summary.listeners} listeners: ${summary.matched} matched, ${summary.mismatched} mismatched, ${summary.unjudged} not judged\n`;
}
