import type { ListenerReport, VerifyReport } from '../report-schema.js';
import { attemptsSummary, clientSummary, describeCheck, failures, repeatSummary, timeoutSummary } from './summary.js';

/** Text escaped for an XML attribute or element (XML 1.0 §2.4: `&`, `<`, `>`, quotes; control characters dropped, as XML 1.0 forbids them). */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(report: ListenerReport, classname: string): string[] {
  const client = report.asks[0]!.client;
  const out = [
    `request: ${report.request.method} ${report.request.url}`,
    `client: ${clientSummary(report)}`,
    `origin attempts: ${attemptsSummary(report.figures)}`,
    `applied timeout: ${timeoutSummary(report.figures)}`,
    ...(repeatSummary(report.figures) ? [`repeat: ${repeatSummary(report.figures)}`] : []),
    ...report.verdict.checks.map((c) => `${c.result}: ${describeCheck(c)}`),
  ].join('\n');
  const lines = [`    <testcase classname="${xmlEscape(classname)}" name="${xmlEscape(report.id)}" time="${seconds(client.timeToEndMs)}">`];
  const failed = failures(report);
  if (report.verdict.result === 'mismatch') {
    lines.push(`      <failure type="mismatch" message="${xmlEscape(failed.join('; '))}">${xmlEscape(failed.join('\n'))}</failure>`);
  } else if (report.verdict.result === 'unjudged') {
    lines.push(`      <skipped message="${xmlEscape(report.verdict.reason ?? 'not judged')}"/>`);
  }
  lines.push(`      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
  return lines;
}

/**
 * The report as JUnit XML (the `testsuites` form CI systems read): one testcase per listener, named by its id; a
 * `failure` listing the failed checks of a mismatch, `skipped` with the reason for an unjudged listener, and what
 * the client and the origin saw in `system-out`.
 */
export function renderJunit(report: VerifyReport): string {
  const { summary } = report;
  const name = `badorigin verify${report.profile ? ` --expect ${report.profile}` : ''} via ${report.target}`;
  const classname = `badorigin.verify.${report.profile ?? 'observe'}`;
  const counts = `tests="${summary.listeners}" failures="${summary.mismatched}" errors="0" skipped="${summary.unjudged}" time="${seconds(report.durationMs)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(name)}" tests="${summary.listeners}" failures="${summary.mismatched}" errors="0" time="${seconds(report.durationMs)}">`,
    `  <testsuite name="${xmlEscape(name)}" ${counts} timestamp="${xmlEscape(report.startedAt)}">`,
    ...report.listeners.flatMap((l) => testcase(l, classname)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
