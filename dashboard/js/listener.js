// A listener's page: what the fault is and why a CDN reports what it reports, every expectation, the commands,
// "Try it", and the wire of its newest connections (live).
import { getJson } from './api.js';
import { h, replace } from './dom.js';
import { expectTable } from './expect-table.js';
import { badgeText, OUTCOMES } from './outcome.js';
import { docLink, splitCitation } from './sources.js';
import { trySection } from './try.js';
import { diagram, LEDGER_OFF } from './wire.js';

/** How many connections are drawn at first; the rest (up to the newest KEPT) behind a button. */
const FIRST_SHOWN = 10;
/** How many of the listener's newest attempts the page asks the farm's attempt ledger for. */
const KEPT = 50;
let current = null;

function sources(register, listener) {
  return h(
    'ul',
    { class: 'sources' },
    listener.sources.map((citation) => {
      const { doc, section } = splitCitation(citation);
      return h('li', {}, docLink(register, doc), section ? ` § ${section}` : '');
    }),
  );
}

function commands(listener) {
  const entries = Object.entries(listener.commands ?? {}).filter(([, command]) => typeof command === 'string');
  if (entries.length === 0) return h('p', { text: 'No command-line client applies to this listener.' });
  return entries.map(([name, command]) => {
    const status = h('span', { class: 'copied', 'aria-live': 'polite' });
    return h(
      'div',
      { class: 'command-block' },
      h(
        'div',
        { class: 'command-head' },
        h('span', { class: 'command-name', text: name }),
        h(
          'button',
          {
            type: 'button',
            class: 'copy',
            'aria-label': `copy the ${name} command`,
            onclick: () =>
              navigator.clipboard?.writeText(command).then(
                () => (status.textContent = 'copied'),
                () => (status.textContent = 'select and copy by hand'),
              ),
          },
          'copy',
        ),
        status,
      ),
      h('pre', { class: 'cmd', tabindex: 0, text: command }),
    );
  });
}

function outcomeLine(stats) {
  const outcome = stats?.outcome ?? 'waiting';
  return h('span', { class: 'badge', dataset: { outcome, field: 'outcome' }, title: OUTCOMES[outcome].long, text: badgeText(outcome) });
}

/** Asks the ledger for the listener's attempts (those with an event at or after `since`, ms) and merges them in. */
async function fetchAttempts(page, since) {
  const query = since === undefined ? `limit=${KEPT}` : `since=${since}&limit=${KEPT}`;
  const attempts = await getJson(`listeners/${encodeURIComponent(page.listener.id)}/attempts?${query}`);
  for (const attempt of attempts ?? []) page.attempts.set(attempt.connection, attempt);
  const numbers = [...page.attempts.keys()].sort((a, b) => a - b);
  for (const number of numbers.slice(0, Math.max(0, numbers.length - KEPT))) page.attempts.delete(number);
}

/** Draws the listener's newest attempts, newest first. */
function drawWire(page) {
  if (!page.box.isConnected) return;
  if (page.ledgerOff) return replace(page.box, h('p', { class: 'nothing', text: LEDGER_OFF }));
  const attempts = [...page.attempts.values()].sort((a, b) => b.connection - a.connection);
  if (attempts.length === 0)
    return replace(page.box, h('p', { class: 'nothing', text: 'No connection yet: try it, or point a client at the port.' }));
  const shown = page.all ? attempts : attempts.slice(0, FIRST_SHOWN);
  const more =
    attempts.length > shown.length
      ? h(
          'button',
          {
            type: 'button',
            class: 'more',
            onclick: () => {
              page.all = true;
              drawWire(page);
            },
          },
          `show all ${attempts.length}`,
        )
      : null;
  replace(
    page.box,
    shown.map((a) => diagram(a, page.listener.port)),
    more,
  );
}

/** Renders listener `id`'s page into `main`; a missing id shows a message and a way back. */
export async function renderListener(main, state, id) {
  const listener = state.manifest.listeners.find((l) => l.id === id);
  if (!listener)
    return replace(
      main,
      h('p', { class: 'error', text: `No listener ${id} on this farm.` }),
      h('a', { href: '#/', text: 'all listeners' }),
    );
  const box = h('div', { class: 'wire-list', dataset: { field: 'wire' } });
  const page = {
    listener,
    box,
    all: false,
    timer: null,
    since: undefined,
    attempts: new Map(),
    ledgerOff: state.ledgerSize === 0,
    outcome: h('span', {}, outcomeLine(state.stats.get(id))),
  };
  current = page;
  replace(
    main,
    h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' }, h('a', { href: '#/', text: '← all listeners' })),
    h(
      'article',
      { class: 'listener', dataset: { listener: listener.id } },
      h('h2', {}, h('span', { class: 'tile-id', text: listener.id }), ' ', listener.title),
      h('p', { class: 'meta' }, `port ${listener.port} · ${listener.transport} · ${listener.family} · `, page.outcome),
      listener.warning ? h('p', { class: 'warning', role: 'note', text: `warning: ${listener.warning}` }) : null,
      h(
        'section',
        { 'aria-labelledby': 'fault-h' },
        h('h3', { id: 'fault-h', text: 'The fault' }),
        h('p', { class: 'fault', text: listener.fault }),
        listener.notes?.length
          ? h(
              'ul',
              { class: 'notes' },
              listener.notes.map((n) => h('li', { text: n })),
            )
          : null,
        h('h4', { text: 'Sources' }),
        sources(state.sources, listener),
      ),
      h(
        'section',
        { 'aria-labelledby': 'expect-h' },
        h('h3', { id: 'expect-h', text: 'What each CDN, proxy and client reports' }),
        expectTable(listener.expect, state.sources),
      ),
      h('section', { 'aria-labelledby': 'cmd-h' }, h('h3', { id: 'cmd-h', text: 'Commands' }), commands(listener)),
      await trySection(listener, state.ledgerSize === 0),
      h(
        'section',
        { 'aria-labelledby': 'wire-h' },
        h('h3', { id: 'wire-h', text: 'The wire: newest connections' }),
        h('p', { class: 'hint', text: `Drawn from the farm's attempt ledger as connections arrive: the newest ${KEPT} of this listener.` }),
        box,
      ),
    ),
  );
  await fetchAttempts(page);
  drawWire(page);
}

/**
 * After `event` of listener `id` (from the event stream): refresh its outcome and, once per burst of events, ask the
 * ledger for the attempts that changed since the burst's first event and redraw, when its page is shown.
 */
export function listenerEvent(id, state, event) {
  const page = current;
  if (!page || page.listener.id !== id || !page.box.isConnected) return;
  replace(page.outcome, outcomeLine(state.stats.get(id)));
  if (typeof event?.time === 'number') page.since = Math.min(page.since ?? event.time, event.time);
  clearTimeout(page.timer);
  page.timer = setTimeout(() => {
    const since = page.since;
    page.since = undefined;
    fetchAttempts(page, since).then(
      () => drawWire(page),
      () => undefined,
    );
  }, 150);
}
