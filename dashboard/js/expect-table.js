// Every CDN's, proxy's and client's expectation of one listener in one table, whatever keys `expect` has: values
// are rendered generically (objects as nested lists, lists as alternatives), so a new reporter needs no code here.
// An expectation that depends on a setting (`{ setting, default, outcomes }`) lists every value's outcome, the
// default first and marked.
import { h } from './dom.js';
import { citationNodes } from './sources.js';

/** Keys shown in their own column rather than with the other fields. */
const SIDE_KEYS = ['source', 'note'];

/** A value of an expectation as DOM: null says the reporter cannot reach the listener. */
function value(v) {
  if (v === null) return h('span', { class: 'none', text: 'cannot reach this listener' });
  if (Array.isArray(v))
    return v.every((x) => typeof x !== 'object' || x === null)
      ? h('span', { text: v.map((x) => (x === null ? 'none' : String(x))).join(' or ') })
      : h(
          'ul',
          {},
          v.map((x) => h('li', {}, value(x))),
        );
  if (typeof v === 'object') return fields(v, []);
  return h('span', { text: String(v) });
}

function fields(object, skip) {
  const entries = Object.entries(object).filter(([key]) => !skip.includes(key));
  if (entries.length === 0) return h('span', { class: 'none', text: '—' });
  return h(
    'dl',
    { class: 'fields' },
    entries.map(([key, v]) => [h('dt', { text: key }), h('dd', {}, value(v))]),
  );
}

/** True for an expectation holding one outcome per setting value (src/cdn/expectation.ts `isBySetting`). */
function isBySetting(expectation) {
  return (
    expectation !== null &&
    typeof expectation === 'object' &&
    !Array.isArray(expectation) &&
    typeof expectation.setting === 'string' &&
    typeof expectation.default === 'string' &&
    expectation.outcomes !== null &&
    typeof expectation.outcomes === 'object'
  );
}

/**
 * The outcome in effect by default: a setting-dependent expectation's `outcomes[default]`, any other expectation
 * itself (as src/cdn/expectation.ts `cdnOutcome` without a setting value).
 */
export function defaultOutcome(expectation) {
  return isBySetting(expectation) ? expectation.outcomes[expectation.default] : expectation;
}

/** The source and note of one outcome: cited documents linked to their public URLs. */
function sideOf(register, outcome) {
  const side = outcome && typeof outcome === 'object' && !Array.isArray(outcome) ? outcome : {};
  return [
    typeof side.source === 'string' ? h('span', { class: 'cite' }, citationNodes(register, side.source)) : null,
    typeof side.note === 'string' ? h('p', { class: 'note' }, citationNodes(register, side.note)) : null,
  ];
}

/** Every setting value's outcome, the default first and marked by word (not by colour alone). */
function bySetting(register, expectation) {
  const values = [expectation.default, ...Object.keys(expectation.outcomes).filter((v) => v !== expectation.default)];
  return h(
    'ul',
    { class: 'by-setting' },
    values.map((setting) => {
      const outcome = expectation.outcomes[setting];
      const isDefault = setting === expectation.default;
      return h(
        'li',
        { dataset: { setting, default: String(isDefault) } },
        h(
          'p',
          { class: 'setting' },
          h('code', { text: `${expectation.setting}: ${setting}` }),
          isDefault ? h('strong', { class: 'default', text: ' (default)' }) : null,
        ),
        outcome && typeof outcome === 'object' ? fields(outcome, SIDE_KEYS) : value(outcome ?? null),
        h('div', { class: 'source' }, sideOf(register, outcome)),
      );
    }),
  );
}

/**
 * The table of `expect` (a manifest listener's expectations): one row per reporter, in the manifest's order.
 * `register` is the farm's sources register (GET /sources.json), for links to the cited documents.
 */
export function expectTable(expect, register) {
  const rows = Object.entries(expect).map(([reporter, expectation]) => {
    if (isBySetting(expectation)) {
      return h(
        'tr',
        { dataset: { reporter, setting: expectation.setting } },
        h('th', { scope: 'row', text: reporter }),
        h('td', { colspan: 2 }, bySetting(register, expectation)),
      );
    }
    const single = expectation !== null && typeof expectation === 'object' && !Array.isArray(expectation);
    return h(
      'tr',
      { dataset: { reporter } },
      h('th', { scope: 'row', text: reporter }),
      h('td', {}, single ? fields(expectation, SIDE_KEYS) : value(expectation)),
      h('td', { class: 'source' }, sideOf(register, expectation)),
    );
  });
  return h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'expectations' },
    h(
      'table',
      { class: 'expect' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', text: 'reporter' }),
          h('th', { scope: 'col', text: 'what it reports' }),
          h('th', { scope: 'col', text: 'source / note' }),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}
