// A listener's page: what the fault is and why a CDN reports what it reports, every expectation, the commands,
// "Try it", and the wire of its newest connections (live).
import { getJson } from './api.js';
import { h, replace } from './dom.js';
import { expectTable } from './expect-table.js';
import { badgeText, OUTCOMES } from './outcome.js';
import { sourceUrl, splitCitation } from './sources.js';
import { trySection } from './try.js';
import { diagram } from './wire.js';

/** How many connections are drawn at first; the rest (up to the 50 the farm keeps) behind a button. */
const FIRST_SHOWN = 10;
let current = null;

function sources(manifest, listener) {
  return h('ul', { class: 'sources' }, listener.sources.map((citation) => {
    const { doc, section } = splitCitation(citation);
    const url = sourceUrl(manifest, doc);
    const name = url ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank', text: doc }) : h('span', { class: 'doc', text: doc });
    return h('li', {}, name, section ? ` § ${section}` : '');
  }));
}

function commands(listener) {
  const entries = Object.entries(listener.commands ?? {}).filter(([, command]) => typeof command === 'string');
  if (entries.length === 0) return h('p', { text: 'No command-line client applies to this listener.' });
  return entries.map(([name, command]) => {
    const status = h('span', { class: 'copied', 'aria-live': 'polite' });
    return h('div', { class: 'command-block' },
      h('div', { class: 'command-head' }, h('span', { class: 'command-name', text: name }),
        h('button', { type: 'button', class: 'copy', 'aria-label': `copy the ${name} command`,
          onclick: () => navigator.clipboard?.writeText(command).then(() => (status.textContent = 'copied'), () => (status.textContent = 'select and copy by hand')) }, 'copy'), status),
      h('pre', { class: 'cmd', tabindex: 0, text: command }));
  });
}

function outcomeLine(stats) {
  const outcome = stats?.outcome ?? 'waiting';
  return h('span', { class: 'badge', dataset: { outcome, field: 'outcome' }, title: OUTCOMES[outcome].long, text: badgeText(outcome) });
}

/** Draws the listener's newest connections, newest first. */
async function loadWire(page) {
  const answer = await getJson(`listeners/${encodeURIComponent(page.listener.id)}/connections`);
  if (!page.box.isConnected) return;
  const connections = (answer?.connections ?? []).slice().reverse();
  if (connections.length === 0) return replace(page.box, h('p', { class: 'nothing', text: 'No connection yet: try it, or point a client at the port.' }));
  const shown = page.all ? connections : connections.slice(0, FIRST_SHOWN);
  const more = connections.length > shown.length
    ? h('button', { type: 'button', class: 'more', onclick: () => { page.all = true; loadWire(page); } }, `show all ${connections.length}`)
    : null;
  replace(page.box, shown.map((c) => diagram(c, page.listener.port)), more);
}

/** Renders listener `id`'s page into `main`; a missing id shows a message and a way back. */
export async function renderListener(main, state, id) {
  const listener = state.manifest.listeners.find((l) => l.id === id);
  if (!listener) return replace(main, h('p', { class: 'error', text: `No listener ${id} on this farm.` }), h('a', { href: '#/', text: 'all listeners' }));
  const box = h('div', { class: 'wire-list', dataset: { field: 'wire' } });
  const page = { listener, box, all: false, timer: null, outcome: h('span', {}, outcomeLine(state.stats.get(id))) };
  current = page;
  replace(main,
    h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' }, h('a', { href: '#/', text: '← all listeners' })),
    h('article', { class: 'listener', dataset: { listener: listener.id } },
      h('h2', {}, h('span', { class: 'tile-id', text: listener.id }), ' ', listener.title),
      h('p', { class: 'meta' }, `port ${listener.port} · ${listener.transport} · ${listener.family} · `, page.outcome),
      listener.warning ? h('p', { class: 'warning', role: 'note', text: `warning: ${listener.warning}` }) : null,
      h('section', { 'aria-labelledby': 'fault-h' }, h('h3', { id: 'fault-h', text: 'The fault' }), h('p', { class: 'fault', text: listener.fault }),
        listener.notes?.length ? h('ul', { class: 'notes' }, listener.notes.map((n) => h('li', { text: n }))) : null,
        h('h4', { text: 'Sources' }), sources(state.manifest, listener)),
      h('section', { 'aria-labelledby': 'expect-h' }, h('h3', { id: 'expect-h', text: 'What each CDN, proxy and client reports' }), expectTable(listener.expect)),
      h('section', { 'aria-labelledby': 'cmd-h' }, h('h3', { id: 'cmd-h', text: 'Commands' }), commands(listener)),
      await trySection(listener),
      h('section', { 'aria-labelledby': 'wire-h' }, h('h3', { id: 'wire-h', text: 'The wire: newest connections' }),
        h('p', { class: 'hint', text: 'Drawn from the farm\'s event log as connections arrive; the farm keeps the newest 50 of each listener.' }), box)));
  await loadWire(page);
}

/** After an event of listener `id`: refresh its outcome and (once per burst of events) its diagrams, when its page is shown. */
export function listenerEvent(id, state) {
  const page = current;
  if (!page || page.listener.id !== id || !page.box.isConnected) return;
  replace(page.outcome, outcomeLine(state.stats.get(id)));
  clearTimeout(page.timer);
  page.timer = setTimeout(() => loadWire(page).catch(() => undefined), 150);
}
