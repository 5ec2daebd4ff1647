// Paging a list a page at a time, as the examples drawer and the diff card's flip lists do: the range
// text ("26–50 of 80"), the offsets of the previous and next pages, and the Previous / Next control.

import {h, setText} from "./dom.js";
import {formatCount} from "./number_format.js";

/** {range, previous, next, hasPrevious, hasNext} of a page {total, offset, limit}: range "" when the
 * list is empty; previous never below 0. */
export function pageMoves({total, offset, limit}) {
  const last = Math.min(total, offset + limit);
  const range = total ? `${formatCount(offset + 1)}\u2013${formatCount(last)} of ${formatCount(total)}` : "";
  return {range, previous: Math.max(0, offset - limit), next: offset + limit, hasPrevious: offset > 0,
    hasNext: offset + limit < total};
}

/** {element, update(page)}: "‹ Previous", the range, "Next ›"; onPage(offset) asks for another page.
 * `ids`: {previous, next} element ids. Hidden while the whole list fits one page. */
export function createPager(onPage, ids = {}) {
  let moves = pageMoves({total: 0, offset: 0, limit: 1});
  const previous = h("button", {class: "text-button", id: ids.previous, onclick: () => onPage(moves.previous)}, "\u2039 Previous");
  const next = h("button", {class: "text-button", id: ids.next, onclick: () => onPage(moves.next)}, "Next \u203A");
  const range = h("span", {class: "page-range"});
  const element = h("div", {class: "pager"}, previous, range, next);
  return {
    element,
    /** Show `page` ({total, offset, limit}); null hides the pager. */
    update(page) {
      element.hidden = !page || page.total <= page.limit;
      if (!page) return;
      moves = pageMoves(page);
      setText(range, moves.range);
      previous.disabled = !moves.hasPrevious;
      next.disabled = !moves.hasNext;
    },
  };
}
