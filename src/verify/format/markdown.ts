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

/** `#` repeated for a heading `level` below the report's top (1: the report's title). */
type Heading = (level: number) => string;

/** The proxy log lines of a listener as one cell: `line; line`, or `–`. */
const logCell = (report: ListenerReport) =>
  report.logLines.length ? report.logLines.map((l) => `\`${l.replace(/`/g, "'")}\``).join('; ') : '–';

/** The details of one listener: the checks, the identifying headers, the body start and each attempt. */
function details(report: ListenerReport, heading: Heading): string[] {
  const client = report.asks[0]!.client;
  const headers = Object.entries(client.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  const lines = [
    `${heading(3)} ${report.id}: ${verdictSummary(report)}`,
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
    const closed =
      attempt.closedAt !== undefined
        ? `closed by ${attempt.closedBy ?? '?'} after ${Math.round(attempt.closedAt - attempt.startedAt)} ms`
        : 'still open';
    const requests = attempt.requests.map((r) => `${r.method} ${r.target}`).join(', ');
    const actions = attempt.actions.map((a) => a.detail).join(', ');
    lines.push(
      `- connection ${attempt.connection} from ${attempt.peer}: ${requests || 'no request'}; farm: ${actions || 'nothing'}; ${closed}`,
    );
  }
  return [...lines, ''];
}

/** Options of `renderMarkdown`. */
export interface MarkdownOptions {
  /** Heading level of the report's title (default 1), so that a report can be a section of a larger document. */
  level?: number;
}

/**
 * The report as Markdown, to attach to a ticket: what was run, the summary, one row per listener (client status,
 * origin attempts, applied timeout, SNI, verdict, and the proxy log lines when `--proxy-log` gave any), then the
 * details of every mismatched listener (or of every listener when nothing was judged).
 */
export function renderMarkdown(report: VerifyReport, options: MarkdownOptions = {}): string {
  const { summary } = report;
  const heading: Heading = (level) => '#'.repeat(level - 1 + (options.level ?? 1));
  const logs = report.listeners.some((l) => l.logLines.length > 0);
  const rows = report.listeners.map(
    (l) =>
      `| ${cell(l.id)} | ${cell(clientSummary(l))} | ${cell(attemptsSummary(l.figures))} | ${cell(timeoutSummary(l.figures))} | ${sniCell(l)} |${logs ? ` ${cell(logCell(l))} |` : ''} ${cell(verdictSummary(l))} |`,
  );
  const detailed = report.listeners.filter((l) => l.verdict.result === 'mismatch' || report.profile === null);
  return [
    `${heading(1)} badorigin verify${report.profile ? ` --expect ${report.profile}` : ''}`,
    '',
    `- through: \`${report.target}\``,
    `- farm: ${report.farm}`,
    `- started: ${report.startedAt}, took ${(report.durationMs / 1000).toFixed(1)} s; each listener asked ${report.repeat}×`,
    `- result: ${summary.listeners} listeners, ${summary.matched} matched, ${summary.mismatched} mismatched, ${summary.unjudged} not judged`,
    '',
    `| Listener | Client saw | Origin attempts | Applied timeout | SNI |${logs ? ' Proxy log |' : ''} Verdict |`,
    `| --- | --- | --- | --- | --- |${logs ? ' --- |' : ''} --- |`,
    ...rows,
    '',
    ...(detailed.length
      ? [`${heading(2)} ${report.profile ? 'Mismatches' : 'Details'}`, '', ...detailed.flatMap((l) => details(l, heading))]
      : []),
    `Report format ${report.format}.`,
    '',
  ].join('\n');
}
