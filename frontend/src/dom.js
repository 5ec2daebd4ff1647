// Tiny DOM helpers. Text goes in through textContent only: run, tag, class names and example ids
// are user strings and must never be parsed as HTML.

/** An element: h("button", {class: "x", onclick: fn, "aria-label": "..."}, "text", child, ...).
 * Strings and numbers become text nodes; null/false children are skipped. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "style") Object.assign(element.style, value);
    else if (name === "value" || name === "checked" || name === "disabled" || name === "selected") element[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace every child of `element` with `children` (text or nodes). */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Set an element's text, touching the DOM only when it changed (cheap inside a slider drag). */
export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}

/** A <select> with [value, label] options (labels are text). */
export function select(options, selected, onchange, attributes = {}) {
  return h("select", {...attributes, onchange: (event) => onchange(event.target.value)},
    options.map(([value, label]) => h("option", {value: String(value), selected: String(value) === String(selected)}, label)));
}

/** Save `blob` as a file called `filename` through a temporary link. */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", {href: url, download: filename, style: {display: "none"}});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
