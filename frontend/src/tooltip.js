// One floating tooltip for the whole panel; its lines are text, never HTML.

import {h, replaceChildren} from "./dom.js";

let element = null;

/** Show `lines` (strings; the first is bold) next to the point (x, y) in viewport pixels. */
export function showTooltip(lines, x, y) {
  if (!element) {
    element = h("div", {class: "tooltip", role: "tooltip"});
    document.body.append(element);
  }
  replaceChildren(element, ...lines.map((line, i) => h("div", {class: i ? "" : "tooltip-title"}, line)));
  element.hidden = false;
  const {innerWidth, innerHeight} = window;
  const box = element.getBoundingClientRect();
  const left = Math.min(x + 14, innerWidth - box.width - 8);
  const top = y + 14 + box.height > innerHeight ? y - box.height - 10 : y + 14;
  element.style.left = `${Math.max(4, left)}px`;
  element.style.top = `${Math.max(4, top)}px`;
}

export function hideTooltip() {
  if (element) element.hidden = true;
}
