// Building DOM nodes: every string becomes a text node, never markup, so a name a client sent (SNI, path, header)
// can never turn into an element or run script.

/**
 * Creates element `tag` with `props` (`class`, `text`, `on<event>` handlers, `dataset`, other keys as attributes;
 * null/undefined/false skipped) and `children` (nodes, or strings turned into text nodes).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  return fill(element, props, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** As `h`, for an SVG element. */
export function s(tag, props = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), props, children);
}

function fill(element, props, children) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') element.textContent = String(value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return element;
}

/** `text` cut to `max` characters with an ellipsis; the caller keeps the full text somewhere (a title). */
export function clip(text, max) {
  const value = String(text);
  return value.length <= max ? value : `${value.slice(0, max)}…`;
}

/** Removes every child of `element` and appends `children`. */
export function replace(element, ...children) {
  element.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}
