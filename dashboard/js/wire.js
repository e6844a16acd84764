// The wire, drawn: one SVG sequence diagram per connection, client on the left, farm on the right, time downwards.
// Pauses between steps are drawn to one scale per diagram (stated under it); every label is a text node.
import { clip, h, s } from './dom.js';
import { stepsOf } from './steps.js';

const WIDTH = 720;
const CLIENT_X = 130;
const FARM_X = 590;
const LINE = 15;
const MAX_PAUSE_PX = 140;
const MAX_PX_PER_MS = 2;
const SHOWN = 70;

/** Said where attempts would be drawn when the farm keeps none. */
export const LEDGER_OFF = 'The farm keeps no attempts (--ledger-size 0): there is nothing to draw.';

/** An SVG text element showing `text` clipped to SHOWN characters, the full text in its <title>. */
function label(text, x, y, props = {}) {
  const node = s('text', { x, y, ...props }, clip(text, SHOWN));
  if (String(text).length > SHOWN) node.append(s('title', {}, String(text)));
  return node;
}

function arrow(from, y) {
  if (from === 'both') return s('line', { x1: CLIENT_X, y1: y, x2: FARM_X, y2: y, class: 'note-line' });
  const [x1, x2] = from === 'client' ? [CLIENT_X, FARM_X] : [FARM_X, CLIENT_X];
  return s('line', { x1, y1: y, x2: x2 + (x2 > x1 ? -8 : 8), y2: y, class: `arrow from-${from}`, 'marker-end': `url(#head-${from})` });
}

function defs() {
  const marker = (from) =>
    s(
      'marker',
      { id: `head-${from}`, viewBox: '0 0 10 10', refX: 2, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
      s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `head from-${from}` }),
    );
  return s('defs', {}, marker('client'), marker('farm'));
}

/** Pixels per ms for this diagram's pauses: the longest gap gets at most MAX_PAUSE_PX. */
function scaleOf(steps) {
  let longest = 0;
  for (let i = 1; i < steps.length; i++) longest = Math.max(longest, steps[i].at - steps[i - 1].at);
  return longest > 0 ? Math.min(MAX_PX_PER_MS, MAX_PAUSE_PX / longest) : MAX_PX_PER_MS;
}

function pause(y, height, ms) {
  return s(
    'g',
    { class: 'pause' },
    s('rect', { x: CLIENT_X - 3, y, width: FARM_X - CLIENT_X + 6, height, class: 'pause-band' }),
    height >= 12
      ? label(`pause ${ms.toLocaleString('en')} ms`, (CLIENT_X + FARM_X) / 2, y + height / 2 + 4, {
          'text-anchor': 'middle',
          class: 'pause-label',
        })
      : null,
  );
}

/**
 * The figure for one attempt of the attempt ledger (one connection, or one DNS query): an SVG diagram with a
 * caption, and the same steps as an ordered list for screen readers and copying.
 */
export function diagram(attempt, port) {
  const steps = stepsOf(attempt);
  const scale = scaleOf(steps);
  const rows = [];
  let y = 40;
  steps.forEach((item, i) => {
    const gap = i === 0 ? 0 : item.at - steps[i - 1].at;
    const pauseHeight = gap * scale;
    if (pauseHeight >= 4) {
      rows.push(pause(y, pauseHeight, gap));
      y += pauseHeight + 4;
    }
    const arrowY = y + 22;
    const t = `+${(item.at - steps[0].at).toLocaleString('en')} ms`;
    rows.push(
      s(
        'g',
        { class: `step from-${item.from}` },
        label(t, 8, arrowY + 4, { class: 'time' }),
        label(item.label, (CLIENT_X + FARM_X) / 2, arrowY - 7, { 'text-anchor': 'middle', class: 'step-label' }),
        arrow(item.from, arrowY),
        item.lines.map((line, k) =>
          label(line, (CLIENT_X + FARM_X) / 2, arrowY + 17 + k * LINE, { 'text-anchor': 'middle', class: 'step-line' }),
        ),
      ),
    );
    y = arrowY + 8 + item.lines.length * LINE + 6;
  });
  const height = y + 4;
  const title = attempt.dns ? `DNS query ${attempt.connection}` : `connection ${attempt.connection}`;
  const when = new Date(attempt.startedAt).toLocaleTimeString();
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: WIDTH,
      height,
      class: 'wire',
      role: 'img',
      'aria-label': `${title}: ${steps.map((x) => x.label).join(', then ')}`,
    },
    defs(),
    s('line', { x1: CLIENT_X, y1: 34, x2: CLIENT_X, y2: height, class: 'lifeline' }),
    s('line', { x1: FARM_X, y1: 34, x2: FARM_X, y2: height, class: 'lifeline' }),
    label('client', CLIENT_X, 24, { 'text-anchor': 'middle', class: 'actor' }),
    label(`farm :${port}`, FARM_X, 24, { 'text-anchor': 'middle', class: 'actor' }),
    rows,
  );
  const notes = [
    attempt.dns || attempt.closedAt !== undefined ? null : 'still open',
    attempt.probe ? `probe ${attempt.probe}` : null,
    attempt.requestsOmitted ? `${attempt.requestsOmitted} later requests not kept` : null,
    attempt.actionsOmitted ? `${attempt.actionsOmitted} later actions not kept` : null,
  ].filter(Boolean);
  return h(
    'figure',
    { class: 'connection', dataset: { connection: attempt.connection } },
    h(
      'figcaption',
      {},
      h('strong', { text: `${title} · ${when}` }),
      notes.length ? ` (${notes.join('; ')})` : '',
      h('span', { class: 'scale', text: ` · pauses to scale: 100 px = ${Math.round(100 / scale).toLocaleString('en')} ms` }),
    ),
    h('div', { class: 'wire-box' }, svg),
    h(
      'details',
      { class: 'as-text' },
      h('summary', { text: 'as text' }),
      h(
        'ol',
        {},
        steps.map((x) =>
          h(
            'li',
            {},
            `${new Date(x.at).toISOString().slice(11, 23)} ${x.from === 'both' ? '' : `${x.from} → `}${x.label}`,
            x.lines.length ? ` (${x.lines.join('; ')})` : '',
          ),
        ),
      ),
    ),
  );
}
