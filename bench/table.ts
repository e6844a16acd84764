// The performance table of README.md (between `<!-- bench:begin -->` and `<!-- bench:end -->`) and of
// `npm run bench`'s output, rendered from bench/results/latest.json. `npm run readme` and `npm run bench` splice it
// into README.md; test/readme.test.ts fails when README.md and latest.json disagree.
import type { Figure } from './figure.js';
import type { BenchResults } from './results.js';

/** A number for a table cell: 45.6k, 1,416, 89.3, 0.42. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The markdown table: figure, farm value, peer and its value, ratio, target, met. */
export function renderFigureTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const peer = f.peer ? `${f.peer.name} ${formatNumber(f.peer.value)}` : '–';
    const ratio = f.peer ? `${f.peer.ratio.toFixed(2)}×` : '–';
    const met = f.target === 'informative' ? '–' : f.met ? 'yes' : '**no**';
    return `| ${cell(f.what)} | ${formatNumber(f.value)} ${f.unit} | ${cell(peer)} | ${ratio} | ${cell(f.target)} | ${met} |`;
  });
  return ['| figure | farm | peer | ratio | target | met |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** README block: where and when each group was measured, then the table. */
export function renderReadmeBlock(results: BenchResults): string {
  const runs = Object.entries(results.groups).map(
    ([name, run]) => `\`${name}\` ${run.measuredAt.slice(0, 16).replace('T', ' ')} UTC (load ${run.loadavg1.toFixed(2)})`,
  );
  const first = Object.values(results.groups)[0];
  const machine = first ? `Node ${first.node.replace(/^v/, '')}, ${first.cpus} × ${first.model ?? 'CPU'}` : 'no run yet';
  return [
    `Generated from [\`bench/results/latest.json\`](bench/results/latest.json) by \`npm run bench\` (${machine}; ${runs.join(', ')}). ` +
      "Each ratio is farm ÷ peer, both measured in the same run; setups, spreads and the peers' own details are in the JSON.",
    '',
    renderFigureTable(results.figures),
  ].join('\n');
}

/** `readme` with the block between the bench markers replaced. @throws Error when the markers are missing. */
export function spliceReadmeBlock(readme: string, results: BenchResults): string {
  const pattern = /(<!-- bench:begin -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (!pattern.test(readme)) throw new Error('README.md has no <!-- bench:begin --> … <!-- bench:end --> markers');
  return readme.replace(pattern, (_, begin: string, end: string) => `${begin}${renderReadmeBlock(results)}\n${end}`);
}
