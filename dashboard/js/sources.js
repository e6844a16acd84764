// Where a cited document can be read. A manifest entry cites documents as `<doc-id> § <section>` (an expectation's
// `source` may join several with `; ` and prefix one with a field name); the farm serves its register of sources as
// GET /sources.json: `[{ "id", "title", "publisher", "url", … }]`.
import { h } from './dom.js';

/** A document id as cited: kebab-case with at least one hyphen, followed by ` § ` (RFCs and README are not linked). */
const CITED = /(?<![\w-])([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?= § )/g;

/** Splits a citation into its document id and the rest (`§ section`), e.g. `cloudflare-error-526 § Cause`. */
export function splitCitation(citation) {
  const match = /^([a-z0-9][a-z0-9-]*)\s*(?:§|:)\s*(.*)$/i.exec(citation);
  return match ? { doc: match[1], section: match[2] } : { doc: citation, section: '' };
}

/**
 * The public URL of document `doc` in `register` (the array GET /sources.json answers), or null when it names none.
 * The one place that knows where URLs come from. Only http(s) URLs are returned, so a register can never make a
 * `javascript:` link.
 */
export function sourceUrl(register, doc) {
  const url = Array.isArray(register) ? register.find((entry) => entry && entry.id === doc)?.url : null;
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}

/** A link to document `doc` (its id as text, its title as tooltip), or the id as plain text when it has no URL. */
export function docLink(register, doc) {
  const url = sourceUrl(register, doc);
  const title = Array.isArray(register) ? register.find((entry) => entry && entry.id === doc)?.title : undefined;
  return url
    ? h('a', {
        href: url,
        rel: 'noopener noreferrer',
        target: '_blank',
        class: 'doc',
        title: typeof title === 'string' ? title : null,
        text: doc,
      })
    : h('span', { class: 'doc', text: doc });
}

/** A citation text (`status: <doc> § <section>; <doc> § <section>`) as nodes, each cited document id linked. */
export function citationNodes(register, text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(CITED)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    nodes.push(docLink(register, match[1]));
    last = match.index + match[1].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}
