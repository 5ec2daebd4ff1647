// Where the examples drawer opens: on the half of the window away from the clicked cell, so the
// cell (and its matrix, mostly) stays visible while its examples show; and the drawer's toggle of
// the examples' order with its count of likely label issues.

import {h, setText} from "./dom.js";
import {EXAMPLE_ORDERS, orderParam} from "./examples_order.js";

/** The x (viewport px) of what opened the cell: a pointer press of the last second, else the
 * focused element inside a run card (keyboard), else the card's centre; null when none is known. */
export function anchorX({pointer, now, active, card}) {
  if (pointer && now - pointer.at < 1000) return pointer.x;
  const box = (element) => element?.getBoundingClientRect?.();
  const focused = active?.closest?.(".run-card") ? box(active) : null;
  const target = focused || box(card);
  return target ? target.left + target.width / 2 : null;
}

/** "left" or "right": the drawer's side for an anchor at x in a window `viewportWidth` px wide. */
export function dockSide(x, viewportWidth) {
  return x !== null && x > viewportWidth / 2 ? "left" : "right";
}

/** dockSide of anchorX. */
export function drawerDock({pointer, now, active, card, viewportWidth}) {
  return dockSide(anchorX({pointer, now, active, card}), viewportWidth);
}

/** {element, update(order, countText)}: the drawer's toggle between the orderings of a cell's examples
 * (examples_order.js) and its count of likely label issues; `onChoose(value)` picks one. */
export function createOrderToggle(onChoose) {
  const buttons = EXAMPLE_ORDERS.map(([value, text, tip]) => h("button",
    {class: "segment", id: `examples-order-${value}`, dataset: {value}, title: tip, "aria-pressed": "false",
      onclick: () => onChoose(value)}, text));
  const count = h("span", {class: "note", id: "examples-likely-issues", "aria-live": "polite"});
  const element = h("div", {class: "examples-order"},
    h("div", {class: "segmented", role: "group", "aria-label": "Order of the examples"}, buttons), " ", count);
  return {
    element,
    update(order, countText) {
      const chosen = orderParam(order) || EXAMPLE_ORDERS[0][0];
      for (const button of buttons) {
        const on = button.dataset.value === chosen;
        button.classList.toggle("on", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      }
      setText(count, countText);
    },
  };
}
