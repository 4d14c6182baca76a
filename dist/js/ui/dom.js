// @ts-check
// Building DOM nodes without innerHTML: text always goes in via textContent,
// so names and messages from peers can never become markup.

/**
 * el('button', {className: 'primary', onclick: fn, 'aria-label': 'Copy'}, 'Copy')
 * Properties starting with "on" become listeners, "aria-*"/"data-*"/"for"
 * become attributes, `text` sets textContent; children are nodes or strings.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name.startsWith('aria-') || name.startsWith('data-') || name === 'for' || name === 'role') {
      node.setAttribute(name, value === true ? '' : String(value));
    } else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/**
 * What a node's children are given as (null, undefined and false: nothing;
 * arrays are flattened one level).
 * @typedef {Node | string | null | undefined | false | Array<Node | string | null | undefined | false>} Child
 */

/** Replaces all children of `node`. @param {Element} node @param {...Child} children */
export function replaceChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** Copies text to the clipboard; falls back to selecting it for Ctrl+C. @param {string} text @param {HTMLInputElement | HTMLTextAreaElement} [fallbackNode] */
export async function copyText(text, fallbackNode) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallbackNode && typeof fallbackNode.select === 'function') {
      fallbackNode.focus();
      fallbackNode.select();
    }
    return false;
  }
}

/**
 * A list whose rows are kept across redraws, by key: `make(item)` builds a
 * row once ({node, update(item)}), `update` brings it up to date at every
 * redraw (in place), rows move when the order changes and go when their
 * item does. A click, a focus or a ping answer on a row survives a redraw
 * (a list rebuilt whole lost them). `empty()`: the node shown with no item.
 * Returns render(items).
 * @template T
 * @param {HTMLElement} container
 * @param {{ key: (item: T) => string, make: (item: T) => { node: HTMLElement, update: (item: T) => void }, empty?: () => HTMLElement }} options
 */
export function keyedRows(container, { key, make, empty }) {
  /** @type {Map<string, { node: HTMLElement, update: (item: T) => void }>} */
  const rows = new Map();
  /** @type {HTMLElement | null} */
  let emptyNode = null;
  return (/** @type {T[]} */ items) => {
    const nodes = [];
    const kept = new Set();
    for (const item of items) {
      const id = key(item);
      let row = rows.get(id);
      if (!row) rows.set(id, (row = make(item)));
      row.update(item);
      kept.add(id);
      nodes.push(row.node);
    }
    for (const id of [...rows.keys()]) if (!kept.has(id)) rows.delete(id);
    if (!nodes.length && empty) nodes.push((emptyNode ??= empty()));
    // Only what is out of place moves.
    nodes.forEach((node, i) => {
      if (container.children[i] !== node) container.insertBefore(node, container.children[i] ?? null);
    });
    while (container.children.length > nodes.length) container.lastElementChild?.remove();
  };
}
