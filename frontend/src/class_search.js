// The "Find class" box above a matrix of more than 10 classes: typing highlights the classes whose name
// contains the text (case-insensitive) and lists the first of them; Enter (the first, or the one
// chosen with the arrow keys) or a click on one brings that class's row and column into view and
// marks them. Class names are user data: set as text only.

import {h, replaceChildren, setText} from "./dom.js";

/** Matrices with more classes than this get the box. */
export const SEARCH_ABOVE = 10;
const LISTED = 8;

/** The classes whose name contains `query` (case-insensitive, surrounding spaces ignored), in
 * `order` (display order; default: as logged). An empty query matches nothing. */
export function matchClasses(names, query, order = null) {
  const needle = String(query ?? "").trim().toLowerCase();
  if (!needle) return [];
  const indices = order || names.map((_, i) => i);
  return indices.filter((i) => i < names.length && String(names[i]).toLowerCase().includes(needle));
}

/** {element, update(names, order)}: onMatches(Set of class indices, or null when the box is empty)
 * as the text changes; onFind(class index) on Enter or a click on a listed class. */
export function createClassSearch({onMatches, onFind}) {
  const input = h("input", {type: "search", class: "class-search-input", placeholder: "Find class\u2026",
    "aria-label": "Find class", autocomplete: "off", spellcheck: "false"});
  const count = h("span", {class: "class-search-count", "aria-live": "polite"});
  const list = h("ul", {class: "class-search-results", role: "listbox", "aria-label": "Matching classes", hidden: true});
  const element = h("div", {class: "class-search"}, input, count, list);
  let names = [];
  let order = null;
  let matches = [];
  let active = 0;
  let shownKey = null;

  function refresh() {
    matches = matchClasses(names, input.value, order);
    active = Math.min(active, Math.max(0, matches.length - 1));
    const empty = !input.value.trim();
    setText(count, empty ? "" : matches.length ? `${matches.length} match${matches.length === 1 ? "" : "es"}` : "no class matches");
    replaceChildren(list, matches.slice(0, LISTED).map((i, k) => h("li", {role: "option", "aria-selected": k === active ? "true" : "false"},
      h("button", {class: `class-search-result${k === active ? " active" : ""}`, tabindex: -1, dataset: {index: i}, title: names[i],
        // mousedown, not click: the input keeps the focus, so the list stays until the choice is made
        onmousedown: (event) => { event.preventDefault(); find(i); }}, names[i]))));
    list.hidden = empty || !matches.length || document.activeElement !== input;
    onMatches(empty ? null : new Set(matches));
  }

  function find(i) {
    list.hidden = true;
    setText(count, `showing ${names[i]}`);
    onFind(i);
  }

  input.addEventListener("input", () => { active = 0; refresh(); });
  input.addEventListener("focus", () => { if (input.value.trim()) refresh(); });
  input.addEventListener("blur", () => { list.hidden = true; });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const shown = Math.min(LISTED, matches.length);
      if (shown) active = (active + (event.key === "ArrowDown" ? 1 : shown - 1)) % shown;
      refresh();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (matches.length) find(matches[active]);
    } else if (event.key === "Escape") {
      event.stopPropagation(); // the box's Escape empties it; the selected cell stays
      input.value = "";
      refresh();
    }
  });

  return {
    element,
    /** The classes' names and the display order the matches are listed in; true when the names
     * changed since the last call (another tag). */
    update(nextNames, nextOrder) {
      const namesKey = nextNames.join("\u0000");
      const orderKey = (nextOrder || []).join();
      const renamed = shownKey !== null && namesKey !== shownKey.names;
      const changed = shownKey === null || renamed || orderKey !== shownKey.order;
      shownKey = {names: namesKey, order: orderKey};
      names = nextNames;
      order = nextOrder;
      element.hidden = names.length <= SEARCH_ABOVE;
      if (changed && input.value.trim()) refresh();
      return renamed;
    },
  };
}
