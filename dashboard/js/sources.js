// Where a cited document can be read. A manifest entry cites documents as `<doc-id> § <section>` or
// `<doc-id>: <section>`; the public URL of a document comes from the farm when it serves a sources register.

/** Splits a citation into its document id and the rest (`§ section`), e.g. `cloudflare-error-526 § Cause`. */
export function splitCitation(citation) {
  const match = /^([a-z0-9][a-z0-9-]*)\s*(?:§|:)\s*(.*)$/i.exec(citation);
  return match ? { doc: match[1], section: match[2] } : { doc: citation, section: '' };
}

/**
 * The public URL of document `doc`, or null when the farm names none. The one place that knows where URLs come
 * from: a `sources` register in the manifest, either `{ "<doc-id>": { "url": … } }` or `[{ "id", "url" }]`.
 * Only http(s) URLs are returned, so a register can never make a `javascript:` link.
 */
export function sourceUrl(manifest, doc) {
  const register = manifest?.sources;
  let url = null;
  if (Array.isArray(register)) url = register.find((entry) => entry && entry.id === doc)?.url ?? null;
  else if (register && typeof register === 'object') url = register[doc]?.url ?? (typeof register[doc] === 'string' ? register[doc] : null);
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}
