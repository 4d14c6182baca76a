// Building DOM nodes without innerHTML: text always goes in via textContent,
// so names and messages from peers can never become markup.

/**
 * el('button', {className: 'primary', onclick: fn, 'aria-label': 'Copy'}, 'Copy')
 * Properties starting with "on" become listeners, "aria-*"/"data-*"/"for"
 * become attributes, `text` sets textContent; children are nodes or strings.
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

/** Replaces all children of `node`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** Copies text to the clipboard; falls back to selecting it for Ctrl+C. */
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
