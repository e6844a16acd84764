// Every CDN's, proxy's and client's expectation of one listener in one table, whatever keys `expect` has: values
// are rendered generically (objects as nested lists, lists as alternatives), so a new reporter needs no code here.
import { h } from './dom.js';

/** Keys shown in their own column rather than with the other fields. */
const SIDE_KEYS = ['source', 'note'];

/** A value of an expectation as DOM: null says the reporter cannot reach the listener. */
function value(v) {
  if (v === null) return h('span', { class: 'none', text: 'cannot reach this listener' });
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object' || x === null) ? h('span', { text: v.map((x) => (x === null ? 'none' : String(x))).join(' or ') }) : h('ul', {}, v.map((x) => h('li', {}, value(x))));
  if (typeof v === 'object') return fields(v, []);
  return h('span', { text: String(v) });
}

function fields(object, skip) {
  const entries = Object.entries(object).filter(([key]) => !skip.includes(key));
  if (entries.length === 0) return h('span', { class: 'none', text: '—' });
  return h('dl', { class: 'fields' }, entries.map(([key, v]) => [h('dt', { text: key }), h('dd', {}, value(v))]));
}

/** The table of `expect` (a manifest listener's expectations): one row per reporter, in the manifest's order. */
export function expectTable(expect) {
  const rows = Object.entries(expect).map(([reporter, expectation]) => {
    const side = expectation && typeof expectation === 'object' && !Array.isArray(expectation) ? expectation : {};
    return h('tr', { dataset: { reporter } },
      h('th', { scope: 'row', text: reporter }),
      h('td', {}, expectation !== null && typeof expectation === 'object' && !Array.isArray(expectation) ? fields(expectation, SIDE_KEYS) : value(expectation)),
      h('td', { class: 'source' }, typeof side.source === 'string' ? side.source : '', typeof side.note === 'string' ? h('p', { class: 'note', text: side.note }) : null));
  });
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'expectations' },
    h('table', { class: 'expect' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'reporter' }), h('th', { scope: 'col', text: 'what it reports' }), h('th', { scope: 'col', text: 'source / note' }))),
      h('tbody', {}, rows)));
}
