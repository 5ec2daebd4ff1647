// The words describing one cell, shared by tooltips, screen-reader labels and the selected-cell readout.

import {formatCount, formatPercent} from "./number_format.js";

/** ["Actual cat → predicted dog", "Count 12", "Row 3.4% (of actual cat)", ...]. */
export function cellLines(rowName, columnName, shares) {
  return [
    `Actual ${rowName} → predicted ${columnName}`,
    `Count ${formatCount(shares.count)}`,
    `Row ${formatPercent(shares.row)} of actual ${rowName}`,
    `Column ${formatPercent(shares.column)} of predicted ${columnName}`,
    `Overall ${formatPercent(shares.all)}`,
  ];
}

/** The text written inside a cell for a normalization. */
export function cellText(value, normalization) {
  return normalization === "count" ? formatCount(value) : formatPercent(value);
}
