import Table from 'cli-table3';
import { CDN_COLUMNS, isBySetting, outcomesOf, type CdnOutcome, type Settled } from './cdn/expectation.js';
import { citedDocIds, sourceOf } from './cdn/sources.js';
import type { Manifest } from './manifest.js';

/** Output formats of `badorigin manifest --format`. */
export type ManifestFormat = 'json' | 'markdown' | 'table';

/**
 * One outcome in a few words: `503 "certificate has expired"`, `502 (Error from cloudfront) OriginDnsError`,
 * `OriginConnectionRefused` (no status documented), `200`. `compact` leaves out what the status already says
 * (Cloudflare's error heading, CloudFront's X-Cache).
 */
export function outcomeSummary(outcome: CdnOutcome, compact = false): string {
  const error = !compact && 'error' in outcome && outcome.error ? `"${outcome.error}"` : undefined;
  const parts = [
    outcome.status === undefined ? undefined : String(outcome.status),
    'response' in outcome && outcome.response ? `"${outcome.response}"` : error,
    !compact && 'xCache' in outcome && outcome.xCache ? `(${outcome.xCache})` : undefined,
    'detailedResultType' in outcome ? outcome.detailedResultType : undefined,
    'errorInfo' in outcome ? outcome.errorInfo : undefined,
    'errorCode' in outcome ? outcome.errorCode : undefined,
  ];
  return parts.filter((p): p is string => Boolean(p)).join(' ') || '?';
}

/** `text ([doc-id](url 'citation'), …)`: every document the source cites, linked to its public URL where it has one. */
function linked(text: string, source: string): string {
  const ids = citedDocIds(source);
  if (ids.length === 0) return `${text} (${source})`;
  const title = source.replaceAll("'", "\\'");
  const links = ids.map((id) => {
    const url = sourceOf(id)?.url;
    return url ? `[${id}](${url} '${title}')` : id;
  });
  return `${text} (${links.join(', ')})`;
}

/**
 * A CDN cell: `–` where the documents say nothing; the outcome; or, where it depends on a setting, every outcome with
 * its value, the default first (`ssl-mode strict (default): 526 "…"; full: 200`). `markdown` links each outcome to its source
 * document; `defaultOnly` (the terminal) shows the default outcome, starred when others exist.
 */
export function cdnCell(expectation: Settled<CdnOutcome> | undefined, style: { markdown?: boolean; defaultOnly?: boolean } = {}): string {
  const outcomes = outcomesOf(expectation);
  if (outcomes.length === 0) return '–';
  const text = (o: CdnOutcome) => (style.markdown ? linked(outcomeSummary(o), o.source) : outcomeSummary(o));
  if (style.defaultOnly) return `${outcomeSummary(outcomes[0]!.outcome, true)}${outcomes.length > 1 ? ' *' : ''}`;
  const setting = expectation && isBySetting(expectation) ? `${expectation.setting} ` : '';
  return outcomes
    .map(({ value, isDefault, outcome }, i) =>
      value === null ? text(outcome) : `${i === 0 ? setting : ''}${value}${isDefault ? ' (default)' : ''}: ${text(outcome)}`,
    )
    .join('; ');
}

function rows(manifest: Manifest, style: { markdown?: boolean; defaultOnly?: boolean }): string[][] {
  return manifest.listeners.map((l) => [
    String(l.port),
    l.id,
    ...CDN_COLUMNS.map(({ key }) => cdnCell(l.expect[key], style)),
    l.expect.node.code ?? 'ok',
    l.expect.curl ? String(l.expect.curl.exit) : l.expect.dig ? `dig ${l.expect.dig.status}` : '–',
  ]);
}

const HEADINGS = ['port', 'id', ...CDN_COLUMNS.map((c) => c.name), 'Node', 'curl / dig'];

/**
 * Renders a manifest: JSON (the contract), a Markdown table (each CDN outcome linked to its source document, every
 * setting's outcome shown), or a terminal table (default outcomes; `*` where a setting changes it).
 */
export function renderManifest(manifest: Manifest, format: ManifestFormat): string {
  if (format === 'json') return `${JSON.stringify(manifest, null, 2)}\n`;
  if (format === 'markdown') {
    const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
    return [
      `| ${HEADINGS.join(' | ')} |`,
      `|${HEADINGS.map(() => '---').join('|')}|`,
      ...rows(manifest, { markdown: true }).map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
      '',
    ].join('\n');
  }
  const table = new Table({
    head: HEADINGS,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  table.push(...rows(manifest, { defaultOnly: true }));
  return `${table.toString()}\n`;
}
