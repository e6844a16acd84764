// The Verify view (#/verify): the latest `badorigin verify` report the farm keeps (GET /verify/latest), per listener
// what the manifest expected against what the client and the origin saw, and the attempts of each ask drawn as the
// listener pages draw them.
import { h, replace } from './dom.js';
import { diagram } from './wire.js';

const VERDICT_TEXT = { match: '✓ matched', mismatch: '✗ mismatched', unjudged: '– not judged' };

/** A value of a check (any JSON) as one line of text. */
function shown(value) {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function checksTable(checks) {
  if (checks.length === 0) return h('p', { class: 'hint' }, 'no checks: nothing was compared');
  return h(
    'table',
    { class: 'verify-checks' },
    h('thead', {}, h('tr', {}, h('th', {}, 'check'), h('th', {}, 'expected'), h('th', {}, 'observed'), h('th', {}, 'result'))),
    h(
      'tbody',
      {},
      checks.map((c) =>
        h(
          'tr',
          { dataset: { result: c.result } },
          h('td', {}, c.field),
          h('td', {}, shown(c.expected)),
          h('td', {}, shown(c.observed)),
          h('td', {}, c.result),
        ),
      ),
    ),
  );
}

/** One ask: when it was sent, what the client got, and every attempt the farm attributed to it, with the gaps. */
function askSection(ask, index, port) {
  const client = ask.client;
  const got = client.status === null ? `no response${client.error ? ` (${client.error})` : ''}` : `HTTP ${client.status}`;
  const figures = ask.attempts.map((attempt, i) => {
    const after = i === 0 ? attempt.startedAt - ask.sentAt : attempt.startedAt - ask.attempts[i - 1].startedAt;
    const label =
      i === 0
        ? `attempt 1, ${after.toLocaleString('en')} ms after the ask`
        : `attempt ${i + 1}, ${after.toLocaleString('en')} ms after attempt ${i}`;
    return h('div', { class: 'verify-attempt' }, h('p', { class: 'gap' }, label), diagram(attempt, port));
  });
  return h(
    'section',
    { class: 'verify-ask', dataset: { attempts: String(ask.attempts.length) } },
    h('h4', {}, `ask ${index + 1} at ${new Date(ask.sentAt).toISOString()}: the client got ${got}`),
    figures.length > 0 ? figures : h('p', { class: 'hint' }, 'the farm saw no attempt for this ask'),
  );
}

function listenerSection(entry) {
  const verdict = entry.verdict;
  return h(
    'section',
    { class: 'verify-listener', dataset: { listener: entry.id, verdict: verdict.result } },
    h(
      'h3',
      {},
      h('a', { href: `#/listeners/${encodeURIComponent(entry.id)}` }, entry.id),
      ` ${VERDICT_TEXT[verdict.result] ?? verdict.result}`,
    ),
    verdict.reason ? h('p', { class: 'hint' }, verdict.reason) : null,
    verdict.setting ? h('p', { class: 'hint' }, `judged with ${verdict.setting}`) : null,
    checksTable(verdict.checks ?? []),
    entry.asks.map((ask, i) => askSection(ask, i, entry.port)),
  );
}

function fact(name, value) {
  return [h('dt', {}, name), h('dd', {}, value)];
}

/** Renders `report` (a verify report, or null when the farm keeps none) into `main`. */
export function renderVerify(main, report) {
  const back = h('p', {}, h('a', { href: '#/' }, '← all listeners'));
  if (!report)
    return replace(
      main,
      back,
      h('h2', {}, 'Latest verify run'),
      h('p', {}, 'No verify report yet. Run badorigin verify --farm <this control URL> --via <your CDN or proxy> to send one.'),
    );
  const { summary } = report;
  replace(
    main,
    back,
    h('h2', {}, `Latest verify run: ${report.ok ? '✓ no mismatch' : `✗ ${summary.mismatched} mismatched`}`),
    h(
      'dl',
      { class: 'verify-facts' },
      fact('target', report.target),
      fact('profile', report.profile ?? 'none (observed, not judged)'),
      fact('farm', report.farm),
      fact('started', report.startedAt),
      fact('took', `${(report.durationMs / 1000).toFixed(1)} s`),
      fact(
        'summary',
        `${summary.listeners} listeners: ${summary.matched} matched, ${summary.mismatched} mismatched, ${summary.unjudged} not judged`,
      ),
    ),
    report.listeners.map(listenerSection),
  );
}
