import type { ListenerReport, VerifyReport } from '../report-schema.js';
import { attemptsSummary, clientSummary, describeCheck, repeatSummary, timeoutSummary, verdictSummary } from './summary.js';

/** A table cell: pipes escaped, line breaks as spaces. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Text shown in a fenced block, with any fence inside it broken. */
const fenced = (text: string) => ['```', text.replace(/```/g, '`\u200b``'), '```'];

function sniCell(report: ListenerReport): string {
  const { sni } = report.figures;
  return sni === null ? '–' : sni.sent ? `\`${sni.name}\`` : 'none';
}

/** The details of one listener: the checks, the identifying headers, the body start and each attempt. */
function details(report: ListenerReport): string[] {
  const client = report.asks[0]!.client;
  const headers = Object.entries(client.headers).map(([name, value]) => `${name}: ${value}`).join('\n');
  const lines = [
    `### ${report.id}: ${verdictSummary(report)}`,
    '',
    `- request: \`${report.request.method} ${report.request.url}\`${report.request.bodyBytes ? ` with ${report.request.bodyBytes} body bytes` : ''}`,
    `- client: ${clientSummary(report)}, head after ${client.timeToHeadMs ?? '–'} ms, end after ${client.timeToEndMs} ms, ${client.bodyBytes} body bytes`,
    `- origin attempts: ${attemptsSummary(report.figures)}; applied timeout: ${timeoutSummary(report.figures)}; SNI: ${sniCell(report)}`,
    ...(repeatSummary(report.figures) ? [`- repeat: ${repeatSummary(report.figures)}`] : []),
    ...report.verdict.checks.map((c) => `- ${c.result}: ${describeCheck(c)}`),
    ...(report.logLines.length ? ['- proxy log:', ...report.logLines.map((l) => `  - \`${l.replace(/`/g, "'")}\``)] : []),
  ];
  if (headers) lines.push('', 'Response headers:', '', ...fenced(headers));
  if (client.bodyStart) lines.push('', 'Body (first bytes):', '', ...fenced(client.bodyStart));
  for (const attempt of report.asks[0]!.attempts) {
    const closed = attempt.closedAt !== undefined ? `closed by ${attempt.closedBy ?? '?'} after ${Math.round(attempt.closedAt - attempt.startedAt)} ms` : 'still open';
    const requests = attempt.requests.map((r) => `${r.method} ${r.target}`).join(', ');
    const actions = attempt.actions.map((a) => a.detail).join(', ');
    lines.push(`- connection ${attempt.connection} from ${attempt.peer}: ${requests || 'no request'}; farm: ${actions || 'nothing'}; ${closed}`);
  }
  return [...lines, ''];
}

/**
 * The report as Markdown, to attach to a ticket: what was run, the summary, one row per listener (client status,
 * origin attempts, applied timeout, SNI, verdict), then the details of every mismatched listener (or of every
 * listener when nothing was judged).
 */
export function renderMarkdown(report: VerifyReport): string {
  const { summary } = report;
  const rows = report.listeners.map(
    (l) => `| ${cell(l.id)} | ${cell(clientSummary(l))} | ${cell(attemptsSummary(l.figures))} | ${cell(timeoutSummary(l.figures))} | ${sniCell(l)} | ${cell(verdictSummary(l))} |`,
  );
  const detailed = report.listeners.filter((l) => l.verdict.result === 'mismatch' || report.profile === null);
  return [
    `# badorigin verify${report.profile ? ` --expect ${report.profile}` : ''}`,
    '',
    `- through: \`${report.target}\``,
    `- farm: ${report.farm}`,
    `- started: ${report.startedAt}, took ${(report.durationMs / 1000).toFixed(1)} s; each listener asked ${report.repeat}×`,
    `- result: ${summary.listeners} listeners, ${summary.matched} matched, ${summary.mismatched} mismatched, ${summary.unjudged} not judged`,
    '',
    '| Listener | Client saw | Origin attempts | Applied timeout | SNI | Verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(detailed.length ? [report.profile ? '## Mismatches' : '## Details', '', ...detailed.flatMap(details)] : []),
    `Report format ${report.format}.`,
    '',
  ].join('\n');
}
