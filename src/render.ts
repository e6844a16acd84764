import Table from 'cli-table3';
import type { CdnExpectation } from './catalogue.js';
import type { Manifest } from './manifest.js';

/** Output formats of `badorigin manifest --format`. */
export type ManifestFormat = 'json' | 'markdown' | 'table';

/** `503 "certificate has expired"`, `502 (Error from cloudfront)`, `200`, or `–` where the docs say nothing. */
export function cdnSummary(expectation: CdnExpectation | undefined): string {
  if (!expectation) return '–';
  const text = expectation.response ? ` "${expectation.response}"` : expectation.xCache ? ` (${expectation.xCache})` : '';
  return `${expectation.status ?? '?'}${text}`;
}

function rows(manifest: Manifest): string[][] {
  return manifest.listeners.map((l) => [
    String(l.port),
    l.id,
    cdnSummary(l.expect.fastly),
    cdnSummary(l.expect.cloudfront),
    l.expect.node.code ?? 'ok',
    l.expect.curl ? String(l.expect.curl.exit) : l.expect.dig ? `dig ${l.expect.dig.status}` : '–',
  ]);
}

const HEADINGS = ['port', 'id', 'Fastly', 'CloudFront', 'Node', 'curl / dig'];

/** Renders a manifest: JSON (the contract), a Markdown table, or a terminal table. */
export function renderManifest(manifest: Manifest, format: ManifestFormat): string {
  if (format === 'json') return `${JSON.stringify(manifest, null, 2)}\n`;
  if (format === 'markdown') {
    const escape = (cell: string) => cell.replaceAll('|', '\\|');
    return [
      `| ${HEADINGS.join(' | ')} |`,
      `|${HEADINGS.map(() => '---').join('|')}|`,
      ...rows(manifest).map((row) => `| ${row.map(escape).join(' | ')} |`),
      '',
    ].join('\n');
  }
  const table = new Table({
    head: HEADINGS,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  table.push(...rows(manifest));
  return `${table.toString()}\n`;
}
