// Where the examples drawer opens: on the half of the window away from the clicked cell, so the
// cell (and its matrix, mostly) stays visible while its examples show.

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
