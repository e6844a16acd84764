// The overview: every listener as a tile, grouped by family, with its last outcome; a search box and family filter.
import { h, replace } from './dom.js';
import { defaultOutcome } from './expect-table.js';
import { badgeText, OUTCOMES } from './outcome.js';

const FAMILIES = ['certificate', 'protocol', 'connection', 'dns', 'http', 'http2'];
const tiles = new Map();

/** Families in the order shown: the known ones first, then any other the manifest has. */
function families(manifest) {
  const present = [...new Set(manifest.listeners.map((l) => l.family))];
  return [...FAMILIES.filter((f) => present.includes(f)), ...present.filter((f) => !FAMILIES.includes(f))];
}

/** `reporter status` for every reporter whose outcome under its default setting is an HTTP status, e.g. `cloudflare 526`. */
function statuses(listener) {
  return Object.entries(listener.expect ?? {})
    .map(([reporter, expectation]) => [reporter, defaultOutcome(expectation)?.status])
    .filter(([, status]) => Number.isInteger(status))
    .map(([reporter, status]) => `${reporter} ${status}`);
}

/** A listener's behaviour in a few words (`failFirst 2`, `probability 0.3, seed 7`, `phases ×2`); null without one. */
function behaviourText(behaviour) {
  if (!behaviour) return null;
  if (Array.isArray(behaviour.phases)) return `phases ×${behaviour.phases.length}`;
  return Object.entries(behaviour)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}

function tile(listener) {
  const behaviour = behaviourText(listener.behaviour);
  const reported = statuses(listener);
  const badge = h('span', { class: 'badge', dataset: { field: 'outcome' } });
  const verify = h('span', { class: 'badge verify', dataset: { field: 'verify' }, hidden: true });
  const hits = h('span', { class: 'hits', dataset: { field: 'hits' } });
  const link = h(
    'a',
    { class: 'tile', href: `#/listeners/${encodeURIComponent(listener.id)}`, dataset: { listener: listener.id } },
    h('span', { class: 'tile-id', text: listener.id }),
    h('span', { class: 'tile-title', text: listener.title }),
    h('span', { class: 'tile-meta', text: `port ${listener.port} · ${listener.transport}` }),
    behaviour
      ? h('span', {
          class: 'tile-behaviour',
          dataset: { field: 'behaviour' },
          title: 'which connections get the fault; the others get the healthy control listener',
          text: `behaviour: ${behaviour}`,
        })
      : null,
    reported.length
      ? h('span', {
          class: 'tile-expect',
          dataset: { field: 'expect' },
          title: 'status each CDN or proxy answers with, at its default settings',
          text: reported.join(' · '),
        })
      : null,
    h('span', { class: 'tile-state' }, badge, hits, verify),
  );
  return { item: h('li', {}, link), link, badge, verify, hits, listener };
}

/** Shows `stats` (the farm's counters, src/monitor.ts) and `verdict` ('matched', 'mismatched' or undefined) on a tile. */
function paint(entry, stats, verdict) {
  const outcome = stats?.outcome ?? 'waiting';
  entry.link.dataset.outcome = outcome;
  entry.badge.textContent = badgeText(outcome);
  entry.badge.title = OUTCOMES[outcome].long;
  const count = stats ? stats.connections || stats.requests : 0;
  entry.hits.textContent = `${count} ${count === 1 ? 'hit' : 'hits'}`;
  entry.verify.hidden = !verdict;
  if (verdict) {
    entry.link.dataset.verify = verdict;
    entry.verify.textContent = badgeText(verdict);
  }
}

function filters(manifest, state, apply) {
  const search = h('input', {
    type: 'search',
    id: 'search',
    placeholder: 'id, title or fault',
    autocomplete: 'off',
    value: state.filter.text,
    oninput: (e) => {
      state.filter.text = e.target.value;
      apply();
    },
  });
  const radio = (value, label) =>
    h(
      'label',
      { class: 'chip' },
      h('input', {
        type: 'radio',
        name: 'family',
        value,
        checked: state.filter.family === value,
        onchange: () => {
          state.filter.family = value;
          apply();
        },
      }),
      label,
    );
  return h(
    'div',
    { class: 'filters' },
    h('label', { for: 'search', class: 'filter-label', text: 'Search' }),
    search,
    h(
      'fieldset',
      { class: 'families' },
      h('legend', { text: 'Family' }),
      radio('', 'all'),
      families(manifest).map((f) => radio(f, f)),
    ),
    h(
      'p',
      { class: 'legend' },
      'Outcome of the last connection: ',
      Object.keys(OUTCOMES).map((k) => h('span', { class: 'badge', dataset: { outcome: k }, text: badgeText(k) })),
    ),
  );
}

/** Renders the overview into `main` from `state` (manifest, stats by id, verify verdicts, filter). */
export function renderOverview(main, state) {
  tiles.clear();
  const sections = families(state.manifest).map((family) => {
    const entries = state.manifest.listeners.filter((l) => l.family === family).map(tile);
    for (const entry of entries) {
      tiles.set(entry.listener.id, entry);
      paint(entry, state.stats.get(entry.listener.id), state.verdicts.get(entry.listener.id));
    }
    const count = h('span', { class: 'count' });
    return {
      family,
      count,
      entries,
      section: h(
        'section',
        { class: 'family', dataset: { family }, 'aria-labelledby': `family-${family}` },
        h('h2', { id: `family-${family}` }, `${family} faults `, count),
        h(
          'ul',
          { class: 'tiles' },
          entries.map((e) => e.item),
        ),
      ),
    };
  });
  const shown = h('p', { class: 'shown', 'aria-live': 'polite' });
  const apply = () => {
    const text = state.filter.text.trim().toLowerCase();
    let total = 0;
    for (const { family, section, entries, count } of sections) {
      let visible = 0;
      for (const entry of entries) {
        const l = entry.listener;
        const match =
          (!state.filter.family || state.filter.family === family) &&
          (!text || `${l.id} ${l.title} ${l.fault}`.toLowerCase().includes(text));
        entry.item.hidden = !match;
        if (match) visible++;
      }
      count.textContent = `(${visible})`;
      section.hidden = visible === 0;
      total += visible;
    }
    shown.textContent = `${total} of ${state.manifest.listeners.length} listeners shown`;
  };
  replace(
    main,
    h('h2', { class: 'visually-hidden', text: 'Listeners' }),
    filters(state.manifest, state, apply),
    shown,
    sections.map((s) => s.section),
  );
  apply();
}

/** Repaints one tile after an event (no-op when the overview is not shown). */
export function updateTile(id, state) {
  const entry = tiles.get(id);
  if (entry?.link.isConnected) paint(entry, state.stats.get(id), state.verdicts.get(id));
}
