// One floating tooltip for the whole panel; its lines are text, never HTML. It hides when anything
// scrolls (the page or a scroller in it): it is placed in viewport pixels, so after a scroll it would
// point at nothing (a tooltip opened from the keyboard gets no mouseleave).

import {h, replaceChildren} from "./dom.js";

let element = null;
// Scroll events arrive on the frame after the scroll: one from bringing a focused cell into view just
// before the tooltip showed is not a reason to hide it.
let settling = false;

function hideOnScroll() {
  if (!settling) hideTooltip();
}

/** Show `lines` (strings; the first is bold) next to the point (x, y) in viewport pixels. */
export function showTooltip(lines, x, y) {
  if (!element) {
    element = h("div", {class: "tooltip", role: "tooltip"});
    document.body.append(element);
    // Scroll events do not bubble; a capturing listener on the document sees every scroller's.
    document.addEventListener("scroll", hideOnScroll, {capture: true, passive: true});
  }
  if (!settling) {
    settling = true;
    requestAnimationFrame(() => { settling = false; });
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
