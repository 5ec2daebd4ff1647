// The orderings of a cell's examples in the drawer ("Most confident" or "Likely mislabeled" first) and
// the count of likely label issues the server finds by confident learning (tb_confusion/label_issues.py).
// Pure: selection.js builds the examples request from it; drawer.js builds the toggle.

import {formatCount} from "./number_format.js";

/** [value (the examples route's `order`), button text, tooltip] of each ordering; the first is the default. */
export const EXAMPLE_ORDERS = Object.freeze([
  ["confidence", "Most confident", "Most confident prediction first"],
  ["likely_mislabeled", "Likely mislabeled",
    "Likely label errors first (confident learning), lowest probability of the actual class first"],
]);

/** The examples route's `order` parameter for the state's ordering: null for the default or an unknown one. */
export function orderParam(order) {
  return order !== EXAMPLE_ORDERS[0][0] && EXAMPLE_ORDERS.some(([value]) => value === order) ? order : null;
}

/** "3 likely label issues", "No likely label issues", or "" when the page has no count (older server). */
export function likelyIssuesText(page) {
  const count = page?.likely_issues;
  if (typeof count !== "number") return "";
  if (count === 0) return "No likely label issues";
  return `${formatCount(count)} likely label issue${count === 1 ? "" : "s"}`;
}
